import gc

gc.disable()  # until the service has started: shared.serve says why

from shared.serve import serve  # noqa: E402

serve("inventory", "services.inventory.main:create_app")
