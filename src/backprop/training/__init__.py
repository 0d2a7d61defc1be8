"""Training: one loop for online, mini-batch and batch learning."""
