"""Admission windows, their questionnaires, and providers' applications to join the system."""
