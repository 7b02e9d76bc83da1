"""Authentication: API tokens with roles (read ⊂ write ⊂ admin), stored hashed."""

from shipyard.auth.tokens import Role, TokenInfo, TokenService, hash_secret

__all__ = ["Role", "TokenInfo", "TokenService", "hash_secret"]
