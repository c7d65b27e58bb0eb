import gc

gc.disable()  # until the service has started: shared.serve says why

from shared.serve import serve  # noqa: E402

serve("connectors", "services.connectors.main:create_app")
