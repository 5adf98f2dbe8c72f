"""Services: units of work on the database that the API, the jobs and the CLI share."""
