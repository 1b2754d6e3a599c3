"""The inspections' services: points (what to look at), routing and distances (pure), plans
(the day's routes of an organization's teams)."""
