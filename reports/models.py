from django.db import models  # noqa: F401  (hospital episodes, costs and reports arrive with later issues)
