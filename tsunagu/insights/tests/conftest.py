from tsunagu.navigator.tests.conftest import city  # noqa: F401  (the navigator's test city profile)
