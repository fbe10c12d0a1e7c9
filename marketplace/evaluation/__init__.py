"""Evaluation of applications (blind scoring, moderation), decisions with feedback letters,
standstill, and admissions of providers to lots."""
