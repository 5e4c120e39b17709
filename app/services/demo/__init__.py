"""Demo data for trying the service out, relative to the day it is loaded."""
