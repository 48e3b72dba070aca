from django.db import models  # noqa: F401  (assessments and star readings arrive with the outcomes issue)
