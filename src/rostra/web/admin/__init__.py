"""The moderator dashboard at ``/admin``: server-rendered pages for staff."""
