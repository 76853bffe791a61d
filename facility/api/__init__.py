"""The GraphQL API: context, pagination, ids, error types, the schema and its endpoint."""
