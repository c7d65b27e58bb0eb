from shared.serve import serve

serve("production", "services.production.main:create_app")
