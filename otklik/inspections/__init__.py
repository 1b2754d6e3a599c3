"""Inspections: where field teams look each day (proposed points with their reasons) and the
routes that take the teams there (issue 20). A domain app: only interfaces import it."""
