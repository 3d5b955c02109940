class ClinicRouter:
    """The floor app's models live in the clinic's database; everything else in the floor's own."""

    def db_for_read(self, model, **hints):
        return "clinic" if model._meta.app_label == "floor" else None

    db_for_write = db_for_read

    def allow_migrate(self, db, app_label, **hints):
        if app_label == "floor":
            return False
        return db == "default"
