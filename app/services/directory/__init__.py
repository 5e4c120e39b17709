"""The Community Services Directory: entries, Open Referral in and out, the PDF."""
