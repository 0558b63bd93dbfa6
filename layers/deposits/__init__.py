"""Deposit sources: MinMod, the USGS Tien Shan table, national lists, and their shared record helpers."""
