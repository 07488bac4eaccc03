"""Inbound mail read without a database: what a mail is (reply, bounce, complaint,
delivery report), the failed addresses and why, and the text a partner wrote."""
