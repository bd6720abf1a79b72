"""Settings: a TOML file overlaid with ROSTRA_* variables, checked once at start."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rostra.config import (
    DEFAULT_DATABASE_URL,
    MediaLocation,
    Settings,
    SettingsError,
    load_settings,
    media_location,
)

KEY = "k" * 32


def config_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rostra.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_nothing_given_means_the_defaults() -> None:
    settings = load_settings({})
    assert settings == Settings()
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.rate_limits is True
    assert settings.edit_window_minutes == 15


def test_unrelated_environment_variables_are_ignored() -> None:
    assert load_settings({"HOME": "/root", "DATABASE_URL": "postgresql://x/y"}) == Settings()


def test_file_values_are_read(tmp_path: Path) -> None:
    path = config_file(
        tmp_path,
        'database_url = "postgresql://db.internal/rostra"\n'
        "rate_limits = false\n"
        "edit_window_minutes = 30\n"
        'log_format = "json"\n',
    )
    settings = load_settings({}, path)
    assert settings.database_url == "postgresql://db.internal/rostra"
    assert settings.rate_limits is False
    assert settings.edit_window_minutes == 30
    assert settings.log_format == "json"


def test_environment_wins_over_the_file(tmp_path: Path) -> None:
    path = config_file(tmp_path, 'database_url = "sqlite:///file.db"\nmax_reply_depth = 2\n')
    settings = load_settings({"ROSTRA_DATABASE_URL": "sqlite:///env.db"}, path)
    assert settings.database_url == "sqlite:///env.db"
    assert settings.max_reply_depth == 2


def test_command_line_overrides_win_and_none_keeps_the_value() -> None:
    settings = load_settings({"ROSTRA_DATABASE_URL": "sqlite:///env.db"})
    assert settings.with_overrides(database_url=None).database_url == "sqlite:///env.db"
    assert settings.with_overrides(database_url="sqlite:///flag.db").database_url == (
        "sqlite:///flag.db"
    )


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("on", True),
        ("off", False),
        ("ON", True),
        (" Off ", False),
        ("true", True),
        ("false", False),
        ("1", True),
        ("0", False),
        ("yes", True),
        ("no", False),
    ],
)
def test_switches_read_on_and_off(raw: str, value: bool) -> None:
    assert load_settings({"ROSTRA_RATE_LIMITS": raw}).rate_limits is value


@pytest.mark.parametrize("raw", ["maybe", "", "2", "enabled"])
def test_switch_with_another_value_is_refused_naming_the_variable(raw: str) -> None:
    with pytest.raises(SettingsError, match="ROSTRA_RATE_LIMITS must be on or off"):
        load_settings({"ROSTRA_RATE_LIMITS": raw})


def test_whole_numbers_are_read_from_text() -> None:
    assert load_settings({"ROSTRA_EDIT_WINDOW_MINUTES": " 45 "}).edit_window_minutes == 45


@pytest.mark.parametrize("raw", ["abc", "", "1.5", "15m", "1e3"])
def test_non_numbers_are_refused_naming_the_variable(raw: str) -> None:
    with pytest.raises(SettingsError, match="ROSTRA_EDIT_WINDOW_MINUTES must be a whole number"):
        load_settings({"ROSTRA_EDIT_WINDOW_MINUTES": raw})


@pytest.mark.parametrize("raw", ["0", "-5"])
def test_zero_and_negative_numbers_are_refused(raw: str) -> None:
    with pytest.raises(SettingsError, match="ROSTRA_MAX_REPLY_DEPTH must be positive"):
        load_settings({"ROSTRA_MAX_REPLY_DEPTH": raw})


@pytest.mark.parametrize("toml_value", ["1.5", "true", '"ten"', "0"])
def test_file_number_that_is_not_a_positive_whole_number_is_refused(
    tmp_path: Path, toml_value: str
) -> None:
    # TOML has real types: 1.5 must not become 1, nor true become 1.
    path = config_file(tmp_path, f"edit_window_minutes = {toml_value}\n")
    with pytest.raises(SettingsError, match="EDIT_WINDOW_MINUTES"):
        load_settings({}, path)


def test_secret_key_of_32_characters_is_accepted() -> None:
    assert load_settings({"ROSTRA_SECRET_KEY": KEY}).secret_key == KEY


def test_short_secret_key_is_refused() -> None:
    with pytest.raises(SettingsError, match="ROSTRA_SECRET_KEY must be at least 32 characters"):
        load_settings({"ROSTRA_SECRET_KEY": KEY[:-1]})


def test_short_secret_key_in_the_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="at least 32"):
        load_settings({}, config_file(tmp_path, 'secret_key = "short"\n'))


def test_blank_optional_setting_means_unset() -> None:
    settings = load_settings({"ROSTRA_REDIS_URL": "  ", "ROSTRA_SECRET_KEY": ""})
    assert (settings.redis_url, settings.secret_key) == (None, None)


def test_blank_database_url_means_the_default() -> None:
    # `ROSTRA_DATABASE_URL=` (as compose files and systemd units often write) must not leave the
    # server without a database URL.
    assert load_settings({"ROSTRA_DATABASE_URL": ""}).database_url == DEFAULT_DATABASE_URL


def test_unknown_log_format_is_refused() -> None:
    with pytest.raises(SettingsError, match="ROSTRA_LOG_FORMAT must be console or json"):
        load_settings({"ROSTRA_LOG_FORMAT": "xml"})


def test_unknown_setting_in_the_file_is_refused_naming_it(tmp_path: Path) -> None:
    path = config_file(tmp_path, 'database_url = "sqlite:///x.db"\ncolour = "red"\n')
    with pytest.raises(SettingsError, match="unknown setting 'colour'") as caught:
        load_settings({}, path)
    assert str(path) in str(caught.value)


def test_file_with_a_syntax_error_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = config_file(tmp_path, "database_url = \n")
    with pytest.raises(SettingsError, match="Cannot read the configuration file") as caught:
        load_settings({}, path)
    assert str(path) in str(caught.value)


def test_missing_file_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"nowhere\.toml"):
        load_settings({}, tmp_path / "nowhere.toml")


def test_environment_variable_names_are_case_sensitive() -> None:
    assert load_settings({"rostra_database_url": "sqlite:///x.db"}).database_url == (
        DEFAULT_DATABASE_URL
    )


PRIMARY = "postgresql://rostra@db.internal:5432/rostra"


def test_read_replicas_are_a_comma_separated_list() -> None:
    settings = load_settings(
        {
            "ROSTRA_DATABASE_URL": PRIMARY,
            "ROSTRA_DATABASE_REPLICA_URLS": " postgresql://r1/rostra , postgres://r2/rostra,",
        }
    )
    assert settings.replica_urls == ("postgresql://r1/rostra", "postgres://r2/rostra")
    assert load_settings({"ROSTRA_DATABASE_URL": PRIMARY}).replica_urls == ()


def test_read_replicas_of_a_sqlite_database_are_refused() -> None:
    with pytest.raises(SettingsError, match="needs a PostgreSQL ROSTRA_DATABASE_URL"):
        load_settings({"ROSTRA_DATABASE_REPLICA_URLS": "postgresql://r1/rostra"})


def test_a_replica_that_is_not_postgresql_is_refused_without_its_password() -> None:
    with pytest.raises(SettingsError, match=r"'replica\.db' is not a postgresql") as refused:
        load_settings(
            {
                "ROSTRA_DATABASE_URL": PRIMARY,
                "ROSTRA_DATABASE_REPLICA_URLS": "postgresql://r1/x,mysql://u:hunter2@replica.db",
            }
        )
    assert "hunter2" not in str(refused.value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("file:///srv/rostra/media", MediaLocation("file", path="/srv/rostra/media")),
        ("file:///srv/rostra/media/", MediaLocation("file", path="/srv/rostra/media")),
        ("file://localhost/srv/media", MediaLocation("file", path="/srv/media")),
        ("database", MediaLocation("database")),
        ("s3://news-media", MediaLocation("s3", bucket="news-media")),
        (
            "s3://news-media/rostra/images/",
            MediaLocation("s3", bucket="news-media", prefix="rostra/images"),
        ),
    ],
)
def test_media_url_names_a_folder_the_database_or_a_bucket(
    url: str, expected: MediaLocation
) -> None:
    settings = load_settings({"ROSTRA_MEDIA_URL": url})
    assert media_location(settings) == expected


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("/srv/rostra/media", "must be file:///absolute/folder, database, or s3://"),
        ("file://media", "is not a local folder"),
        ("file:relative/media", "is not a local folder"),
        ("s3://", "is not an S3 bucket name"),
        ("s3://Upper_Case", "is not an S3 bucket name"),
        ("s3://ab", "is not an S3 bucket name"),
        ("s3://news..media", "is not an S3 bucket name"),
        ("s3://news-media/a//b", "has an empty or dot part"),
        ("s3://news-media/../b", "has an empty or dot part"),
        ("s3://news-media/x?region=eu", "may not have a query"),
        ("gs://news-media", "must be file:///absolute/folder"),
        ("databases", "must be file:///absolute/folder"),
    ],
)
def test_a_media_url_rostra_cannot_use_is_refused_at_startup(url: str, problem: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(problem)) as refused:
        load_settings({"ROSTRA_MEDIA_URL": url})
    assert "ROSTRA_MEDIA_URL" in str(refused.value)


def test_the_media_folder_setting_still_chooses_a_folder() -> None:
    settings = load_settings({"ROSTRA_MEDIA_DIR": "/var/lib/rostra/media"})
    assert media_location(settings) == MediaLocation("file", path="/var/lib/rostra/media")
    assert media_location(load_settings({})) == MediaLocation("file", path=None)  # the default


def test_media_url_and_media_folder_together_are_refused() -> None:
    with pytest.raises(SettingsError, match="not both"):
        load_settings({"ROSTRA_MEDIA_URL": "database", "ROSTRA_MEDIA_DIR": "/srv/media"})


@pytest.mark.parametrize(
    "url", ["cdn.example.com/media", "ftp://cdn.example.com", "https://", "https://cdn.x/?a=1"]
)
def test_a_public_media_address_must_be_http(url: str) -> None:
    with pytest.raises(SettingsError, match="ROSTRA_MEDIA_PUBLIC_URL"):
        load_settings({"ROSTRA_MEDIA_PUBLIC_URL": url})
