"""The host administrator's management of member authorities."""
