"""The Today board shows each order once, however its columns were read."""

from services.gateway.dashboard.pages.today import once_each


def test_an_order_read_in_two_columns_shows_in_its_fresher_one():
    columns = [
        {"status": "received", "orders": [{"id": "A", "updated_at": "2026-12-04T09:00:00Z"}]},
        {
            "status": "awaiting_production",
            "orders": [
                {"id": "A", "updated_at": "2026-12-04T09:00:01Z"},
                {"id": "B", "updated_at": "2026-12-04T08:00:00Z"},
            ],
        },
    ]

    shown = once_each(columns)

    assert [o["id"] for o in shown[0]["orders"]] == []
    assert [o["id"] for o in shown[1]["orders"]] == ["A", "B"]
