from shared.serve import serve

serve("gateway", "services.gateway.main:create_app")
