"""The PySide6 user interface: widgets that adapt the plain-Python domain and store."""
