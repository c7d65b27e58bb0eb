from shared.serve import serve

serve("connectors", "services.connectors.main:create_app")
