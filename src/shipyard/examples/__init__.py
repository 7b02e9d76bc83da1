"""Examples shipped with Shipyard, built only on its public SDK.

``shipyard.examples.energy`` is the batch architecture ``shipyard quickstart`` runs:
raw data → feature store → training pipeline → registry → batch predictions → schedule.
"""
