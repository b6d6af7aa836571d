"""The governance domain: records, forms and services, one module per process family."""
