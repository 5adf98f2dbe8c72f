"""RQ jobs: importable top-level functions, one module per area, queues named by purpose."""
