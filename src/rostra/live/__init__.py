"""Live-update fan-out adapters: in-process for one worker, Redis pub/sub across workers."""
