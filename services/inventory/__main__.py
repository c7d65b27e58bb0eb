from shared.serve import serve

serve("inventory", "services.inventory.main:create_app")
