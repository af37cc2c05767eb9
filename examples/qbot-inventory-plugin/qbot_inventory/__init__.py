"""qbot-inventory: a qbot handler (confirm_type 8) listing what a case holds. The entry point
`qbot.plugins: inventory = qbot_inventory:handler` names the object below."""

from qbot_inventory.handler import InventoryForm, InventoryHandler

handler = InventoryHandler()

__all__ = ["InventoryForm", "InventoryHandler", "handler"]
