from shared.serve import serve

serve("trace", "services.trace.main:create_app")
