from shared.serve import serve

serve("orders", "services.orders.main:create_app")
