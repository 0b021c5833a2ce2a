"""Staff: teams, and the role (agent, supervisor, admin) of each helpdesk user."""
