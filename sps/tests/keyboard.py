"""Driving a page with the keyboard only, as someone who cannot use a mouse does."""


def tab_to(page, selector: str, *, limit: int = 200) -> None:
    """Press Tab until the element matching `selector` has the focus; fail if Tab never reaches it."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("selector => !!document.activeElement && document.activeElement.matches(selector)",
                         selector):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key ({limit} presses)")


def sign_in_by_keyboard(page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/accounts/login/")
    tab_to(page, "#id_username")
    page.keyboard.type(username)
    tab_to(page, "#id_password")
    page.keyboard.type(password)
    press_and_follow(page)


def press_and_follow(page, key: str = "Enter") -> None:
    """Press a key that follows a link or sends a form, and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press(key)
