"""Which rows a page of a list shows, and whether there are pages around it."""

from services.gateway.dashboard.paging import Page


def test_the_second_page_of_sixty() -> None:
    page = Page(offset=25, limit=25, total=60)

    assert (page.number, page.pages, page.first_row, page.last_row) == (2, 3, 26, 50)
    assert page.has_previous and page.has_next


def test_an_empty_list_is_one_empty_page() -> None:
    page = Page(offset=0, limit=25, total=0)

    assert (page.pages, page.first_row, page.last_row, page.has_next) == (1, 0, 0, False)
