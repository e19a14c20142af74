"""One module per stage; flow.py orders them. No Qt here."""
