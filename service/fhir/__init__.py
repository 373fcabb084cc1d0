"""Package marker; see the modules inside."""
