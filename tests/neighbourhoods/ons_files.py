"""Small files shaped like the ONS downloads (made here: nothing is downloaded at test time).

The lookup follows "Postcode to OA (2021) to LSOA to MSOA to LAD (best fit)": pcd7, pcd8, pcds,
dointr, doterm, usertype, oa21cd, lsoa21cd, msoa21cd, ladcd, lsoa21nm, msoa21nm, ladnm, ladnmw.
The population file follows the ONS mid-year estimates for LSOAs (2021 boundaries), saved as
CSV with its title lines: "LAD 2021 Code, LAD 2021 Name, LSOA 2021 Code, LSOA 2021 Name, Total".
"""

from __future__ import annotations

LOOKUP_HEADER = ("pcd7,pcd8,pcds,dointr,doterm,usertype,oa21cd,lsoa21cd,msoa21cd,ladcd,"
                 "lsoa21nm,msoa21nm,ladnm,ladnmw")


def lookup_row(pcds: str, lsoa: str, name: str, lad: str = "E07000237",
               lad_name: str = "Worcester") -> str:
    pcd7 = pcds.replace(" ", "").ljust(7)
    return (f"{pcd7},{pcds},{pcds},198001,,0,E00000001,{lsoa},E02000001,{lad},{name},"
            f"Worcester 001,{lad_name},")


#: Two Worcester LSOAs and one in Wyre Forest. Line numbers: the header is line 1.
LOOKUP_LINES = [
    LOOKUP_HEADER,
    lookup_row("WR1 2NN", "E01032144", "Worcester 010A"),   # line 2
    lookup_row("WR1 2NP", "E01032144", "Worcester 010A"),   # line 3
    "NOT A POSTCODE,,NOT A POSTCODE,198001,,0,E00000001,E01032144,E02000001,E07000237,"
    "Worcester 010A,Worcester 001,Worcester,",                 # line 4: bad postcode
    lookup_row("WR1 3AA", "E01032150", "Worcester 011B"),   # line 5
    lookup_row("WR1 3AB", "L99999999", "(pseudo) Channel Islands"),  # line 6: not an LSOA
    lookup_row("DY10 1AA", "E01032300", "Wyre Forest 004C", "E07000239", "Wyre Forest"),  # 7
    lookup_row("WR1 2NN", "E01032150", "Worcester 011B"),   # line 8: repeated postcode
]

POPULATION_LINES = [
    "Mid-2022 population estimates for Lower layer Super Output Areas",
    "Source: Office for National Statistics",
    "",
    "LAD 2021 Code,LAD 2021 Name,LSOA 2021 Code,LSOA 2021 Name,Total,F0 to 4",
    'E07000237,Worcester,E01032144,Worcester 010A,"1,734",40',   # line 5
    "E07000237,Worcester,E01032150,Worcester 011B,2100,50",        # line 6
    "E07000237,Worcester,E01032151,Worcester 011C,not known,0",   # line 7: bad total
    "E07000239,Wyre Forest,E01032300,Wyre Forest 004C,1500,30",   # line 8
    "E06000001,Hartlepool,E01011949,Hartlepool 001A,1600,35",     # line 9: outside lookup
]


def text(lines: list[str]) -> str:
    return "\r\n".join(lines) + "\r\n"
