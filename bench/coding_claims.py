"""The coding benchmark's claims: a week of a PT/OT/SLP clinic, a pelvic-health practice (pelvic
PT and urology) and a Medicare-heavy clinic, each with what a certified coder expects and why.

Every claim is synthetic. ``expect`` is "pass" (a payer pays it as sent, or after the safe fixes
the scrubber applies) or "deny" (a payer denies or returns it). ``edits`` are the edits a coder
expects to catch a denial; ``warn`` the non-holding findings a coder expects on a passing claim;
``needs`` names the content a check would need when no installed content can know the denial.
"""

from __future__ import annotations

from dataclasses import dataclass

WEEK = ("20260914", "20260915", "20260916", "20260917", "20260918")
PT, URO, SLP = "225100000X", "208800000X", "235Z00000X"

# sources (short names used below)
CR10176 = "CR 10176 / Transmittal 3814: always-therapy codes need GP/GO/GN (Medicare returns the claim)"
CH5 = "Medicare Claims Processing Manual (Pub 100-04) Ch. 5 20.2: untimed codes once a day, evaluations 1 unit"
NCCI = "NCCI PTP edits (CMS practitioner PTP table): column-2 code denied without 59/X{EPSU}"
NCCI0 = "NCCI: one evaluation level per discipline per day (mutually exclusive)"
CQCO = "CMS CQ/CO billing examples: CQ with GP, CO with GO; assistants do not evaluate"
OGB2 = "ICD-10-CM Official Guidelines I.B.2: a code is invalid unless coded to its full length"
OG19 = "Official Guidelines I.C.19.a: rehabilitation in the healing phase is a subsequent encounter (D)"
OGZ = "Official Guidelines I.C.21.c: examination and screening Z codes name no condition to treat"
EX1 = "ICD-10-CM tabular Excludes1: the two codes are never reported together"
SEX = "ICD-10-CM tabular chapter 14 blocks / MCE sex edit: the code is reserved for the other sex"
CPT17 = "CPT 2017: 97001-97004 deleted, replaced by 97161-97168"
G0283 = "Medicare fee schedule: 97014 not recognised, unattended e-stim billed as G0283"
TR3 = "005010X222A1 TR3 / SNIP 1-3"
COVER = "ICD-10-CM coding and the payer's therapy coverage policy"
POS = "CMS place of service code set"
TIMELY = "42 CFR 424.44: Medicare claims are filed within 12 months of the date of service"


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    practice: str
    expect: str  # "pass" | "deny"
    hi: tuple[str, ...]
    lines: tuple[str, ...]  # "CODE:MODS*UNITS*POINTERS" (+ optional "*YYYYMMDD")
    why: str
    source: str
    sbr09: str = "CI"
    sex: str = "F"
    taxonomy: str = PT
    edits: tuple[str, ...] = ()  # what should catch a denial
    warn: tuple[str, ...] = ()  # non-holding findings expected on a passing claim
    needs: str = ""  # content a denial needs when installed content cannot know it
    day: str = WEEK[0]
    pos: str = "11"
    charge_off: str = ""  # a CLM02 that disagrees with the lines (BAL001)


def _c(*args: object, **kwargs: object) -> Case:
    return Case(*args, **kwargs)  # type: ignore[arg-type]


A, B, C = "PT/OT/SLP clinic", "pelvic health", "Medicare clinic"

CASES: list[Case] = [
    # ---- A: a week of an outpatient PT/OT/SLP clinic ------------------------------------------
    _c("A01", A, "pass", ("M1711",), ("97161:GP*1*1", "97110:GP*2*1", "97140:GP:59*1*1"), "knee OA evaluation with exercise; manual therapy distinct (59)", NCCI),
    _c("A02", A, "pass", ("M5450", "M62830"), ("97110:GP*2*1:2", "97112:GP*1*1", "97530:GP*1*1:2"), "low back pain with back spasm, three timed codes", CH5, warn=("SPC001",)),
    _c("A03", A, "pass", ("S83511D",), ("97110:GP*3*1", "97116:GP*1*1"), "ACL sprain after repair, subsequent encounter", OG19),
    _c("A04", A, "pass", ("M75111",), ("97110:GP*2*1", "97140:GP*1*1", "97035:GP*1*1"), "partial rotator cuff tear; ultrasound is timed", CH5),
    _c("A05", A, "pass", ("I69351",), ("97535:GO*2*1", "97530:GO*2*1"), "OT after stroke: self-care and therapeutic activities", CR10176, day=WEEK[1]),
    _c("A06", A, "pass", ("I69351", "R2689"), ("97166:GO*1*1:2", "97535:GO*1*1"), "OT evaluation, moderate complexity", CR10176, day=WEEK[1]),
    _c("A07", A, "pass", ("I69320", "R41841"), ("92507:GN*1*1:2",), "SLP treatment of aphasia after stroke", CR10176, taxonomy=SLP),
    _c("A08", A, "pass", ("F802",), ("92523:GN*1*1",), "SLP evaluation of speech sound and language, child", CR10176, taxonomy=SLP, day=WEEK[2]),
    _c("A09", A, "pass", ("F82",), ("97530:GO*2*1", "97533:GO*1*1"), "pediatric OT: developmental coordination disorder", CR10176, day=WEEK[2]),
    _c("A10", A, "pass", ("R620", "Q909"), ("97530:GP*2*1:2", "97112:GP*1*1"), "pediatric PT: delayed milestones in Down syndrome", COVER, warn=("SPC001",)),
    _c("A11", A, "pass", ("R1312", "I69391"), ("92526:GN*1*1:2",), "dysphagia after stroke, swallowing treatment", CR10176, taxonomy=SLP),
    _c("A12", A, "pass", ("H8111",), ("95992:GP*1*1", "97112:GP*1*1"), "BPPV: canalith repositioning by the PT (sometimes therapy with GP)", CR10176),
    _c("A13", A, "pass", ("I890",), ("97140:GP*2*1", "97535:GP*1*1"), "lymphedema: manual lymph drainage and self-care training", COVER, day=WEEK[3]),
    _c("A14", A, "pass", ("M5416",), ("97012:GP*1*1", "97110:GP*2*1", "97140:GP*1*1"), "lumbar radiculopathy: one unit of traction", CH5, day=WEEK[3]),
    _c("A15", A, "pass", ("Z471", "Z96641"), ("97110:GP*2*1:2", "97116:GP*1*1"), "aftercare after right hip replacement", COVER),
    _c("A16", A, "pass", ("S93401D",), ("97110:GP*2*1", "97530:GP*1*1", "97140:GP:59*1*1"), "ankle sprain: 97140 distinct from 97530", NCCI, warn=("SPC001",)),
    _c("A17", A, "pass", ("G5601",), ("97140:GO*1*1", "97760:GO*1*1"), "carpal tunnel: OT manual therapy and orthotic management", CR10176),
    _c("A18", A, "pass", ("G20A1",), ("97112:GP*2*1", "97116:GP*1*1"), "Parkinson's disease: balance and gait", COVER, day=WEEK[4]),
    _c("A19", A, "pass", ("M1711",), ("97110:GP:CQ*2*1", "97112:GP*1*1"), "PTA furnished the exercise (CQ with GP)", CQCO, day=WEEK[4]),
    _c("A20", A, "pass", ("I69351",), ("97535:GO:CO*2*1",), "OTA furnished self-care training (CO with GO)", CQCO),
    _c("A21", A, "pass", ("M1711",), ("97164:GP*1*1", "97110:GP*2*1"), "PT re-evaluation with exercise", CH5),
    _c("A22", A, "pass", ("M5450",), ("97150:GP*1*1",), "group therapy, one unit a session", CH5, warn=("SPC001",)),
    _c("A23", A, "pass", ("M170",), ("97113:GP*2*1",), "aquatic therapy, bilateral knee OA", CH5),
    _c("A24", A, "pass", ("M542", "M62838"), ("97140:GP*1*1:2", "97110:GP*1*1"), "cervicalgia with neck spasm (other muscle spasm)", COVER),
    _c("A25", A, "pass", ("U099", "R5381"), ("97110:GP*1*1:2", "97530:GP*2*1:2"), "post-COVID condition with debility", COVER),
    _c("A26", A, "pass", ("M722",), ("97110:GP*1*1", "97140:GP*1*1", "97035:GP*1*1"), "plantar fasciitis", CH5),
    _c("A27", A, "pass", ("S062X9S", "R41841"), ("97129:GO*1*1:2", "97130:GO*2*1:2"), "cognitive intervention after TBI (sequela)", CR10176),
    _c("A28", A, "pass", ("Z89511",), ("97761:GP*2*1",), "prosthetic training after below-knee amputation", COVER),
    _c("A29", A, "pass", ("G8220",), ("97542:GP*2*1",), "wheelchair management, paraplegia", COVER),
    _c("A30", A, "pass", ("R2681", "Z9181"), ("97116:GP*2*1:2", "97112:GP*1*1"), "fall prevention: unsteadiness, history of falling", COVER),
    _c("A31", A, "pass", ("m54.50",), ("97110:GP*2*1",), "dotted lower-case code: the safe DX003 fix sends M5450", TR3, warn=("DX003", "SPC001")),
    _c("A32", A, "pass", ("M1711", "M1711"), ("97110:GP*2*1:2",), "the same code twice: DX004 keeps one and remaps the pointers", TR3, warn=("DX004",)),
    _c("A33", A, "pass", ("S83511A",), ("97110:GP*2*1",), "ACL sprain coded initial encounter: paid, but the coder should use D", OG19, warn=("DX012",)),
    _c("A34", A, "pass", ("M62830",), ("97110:GP*1*1",), "back spasm alone: paid, the coder is reminded to code the back condition", COVER, warn=("CTX001",)),
    _c("A35", A, "pass", ("M1711", "I10"), ("97110:GP*2*1:2",), "knee OA with hypertension as a secondary code", COVER),
    _c("A36", A, "deny", ("M545",), ("97110:GP*2*1",), "M54.5 is a subcategory since FY2022 (M54.50/51/59)", OGB2, edits=("DX002",)),
    _c("A37", A, "deny", ("M5450", "M6283"), ("97110:GP*2*1:2",), "M62.83 not billable; back context fits M62.830", OGB2, edits=("CTX002",)),
    _c("A38", A, "deny", ("S39012",), ("97140:GP*1*1",), "lumbar strain without its 7th character", OGB2, edits=("DX002",)),
    _c("A39", A, "deny", ("M5450",), ("97161:GP*2*1",), "PT evaluation billed as two units", CH5, edits=("THR003",)),
    _c("A40", A, "deny", ("M5450", "M62830"), ("97110:GP*2*1:3",), "pointer to a third diagnosis that is not there", TR3, edits=("PTR001",)),
    _c("A41", A, "deny", ("M1711",), ("97110:GP*2*1", "97112:GP*1*1"), "CLM02 does not equal the line charges", TR3, edits=("BAL001",), charge_off="250"),
    _c("A42", A, "deny", ("M1711",), ("97110:CQ*2*1",), "CQ without GP", CQCO, edits=("THR004",)),
    _c("A43", A, "deny", ("R471",), ("92523:GP*1*1",), "speech evaluation with the PT modifier (Medicare)", CR10176, sbr09="MB", edits=("THR002",)),
    _c("A44", A, "deny", ("Z0000",), ("97110:GP*2*1",), "therapy against a general examination code", OGZ, edits=("THR001",)),
    _c("A45", A, "deny", ("S335D",), ("97110:GP*2*1",), "lumbar sprain without its placeholder X (S33.5XXD)", OGB2, edits=("DX001",)),
    _c("A46", A, "deny", ("M62838", "R252"), ("97140:GP*1*1:2",), "muscle spasm with cramp and spasm R25.2: M62 Excludes1", EX1, edits=("DX006",)),
    _c("A47", A, "deny", ("M5450",), ("97162:GP*1*1", "97163:GP*1*1"), "two PT evaluation levels on one day", NCCI0, edits=("THR005",)),
    _c("A48", A, "deny", ("M5450",), ("97530:GP*1*1", "97140:GP*1*1"), "97530 with 97140 without 59, Medicaid", NCCI, sbr09="MC", edits=("THR005",)),
    _c("A49", A, "deny", ("M5450",), ("97001:GP*1*1",), "97001 deleted in 2017", CPT17, edits=("PRC001",)),
    _c("A50", A, "deny", ("M5450",), ("97111:GP*1*1",), "97111 is not a CPT code", CPT17, edits=("PRC001",)),
    _c("A51", A, "deny", ("M1711",), ("97110:GP*0*1",), "zero units", CH5, edits=("THR007",)),
    _c("A52", A, "deny", ("M1711",), ("97110:GP*2*1",), "place of service 30 is unassigned", POS, edits=("CLM003",), pos="30"),
    _c("A53", A, "deny", ("W010XXD", "S83511D"), ("97110:GP*2*2",), "external cause code first-listed", "Official Guidelines I.C.20", edits=("DX007",)),
    _c("A54", A, "deny", ("M19011",), ("97168:GO:CO*1*1",), "OT re-evaluation by an OTA", CQCO, edits=("THR004",)),
    _c("A55", A, "deny", ("M5450", "S39012D"), ("97110:GP*2*1:2",), "low back pain with lumbar strain: M54.5 Excludes1", EX1, edits=("DX006",)),
    _c("A56", A, "deny", ("M5416",), ("97012:GP*2*1",), "mechanical traction billed as two units", CH5, edits=("THR007",)),
    _c("A57", A, "deny", ("G63", "E1142"), ("97116:GP*2*1:2",), "manifestation code first-listed", "Official Guidelines I.A.13", edits=("DX008",)),
    _c("A58", A, "deny", ("M1711",), ("97110:GP*2*1",), "date of service after the run date", TR3, edits=("DTE001",), day="20261130"),
    _c("A59", A, "deny", ("M1711",), ("97110:GP:GO*2*1",), "two discipline modifiers on one line (Medicare)", CR10176, sbr09="MB", edits=("THR002",)),
    # ---- B: a pelvic-health practice (pelvic PT and urology) -----------------------------------
    _c("B01", B, "pass", ("N393",), ("97110:GP*2*1", "97112:GP*1*1"), "stress incontinence: pelvic floor exercise and re-education", COVER),
    _c("B02", B, "pass", ("N3941", "R351"), ("90912:GP*1*1:2", "90913:GP*2*1:2"), "urge incontinence: biofeedback by the PT with GP", CR10176, sbr09="MB"),
    _c("B03", B, "pass", ("N3946",), ("90912*1*1",), "urologist's biofeedback: sometimes therapy, no therapy modifier", CR10176, sbr09="MB", taxonomy=URO),
    _c("B04", B, "pass", ("N3281",), ("97112:GP*2*1", "97530:GP*1*1"), "overactive bladder", COVER),
    _c("B05", B, "pass", ("N8111",), ("97110:GP*2*1", "97112:GP*1*1"), "cystocele, female patient", COVER, day=WEEK[1]),
    _c("B06", B, "pass", ("N9410",), ("97140:GP*2*1", "97112:GP*1*1"), "dyspareunia", COVER, day=WEEK[1], warn=("SPC001",)),
    _c("B07", B, "pass", ("R1023", "M62838"), ("97140:GP*2*1:2", "97112:GP*1*1"), "bilateral pelvic pain with pelvic floor spasm", COVER),
    _c("B08", B, "pass", ("R159",), ("90912:GP*1*1", "97112:GP*1*1"), "fecal incontinence, male patient", COVER, sex="M", warn=()),
    _c("B09", B, "pass", ("K5902",), ("97112:GP*2*1", "97530:GP*1*1"), "outlet dysfunction constipation", COVER, sex="M"),
    _c("B10", B, "pass", ("N411",), ("97140:GP*2*1", "97112:GP*1*1"), "chronic prostatitis / pelvic pain syndrome, male", COVER, sex="M", day=WEEK[2]),
    _c("B11", B, "pass", ("N5201",), ("97112:GP*2*1",), "erectile dysfunction, male", COVER, sex="M", day=WEEK[2]),
    _c("B12", B, "pass", ("O26713", "Z3A32"), ("97140:GP*1*1", "97110:GP*1*1"), "symphysis subluxation in the third trimester", COVER),
    _c("B13", B, "pass", ("M6208",), ("97110:GP*2*1",), "postpartum diastasis recti", COVER),
    _c("B14", B, "pass", ("N94810",), ("97140:GP*2*1",), "vulvar vestibulitis", COVER, day=WEEK[3]),
    _c("B15", B, "pass", ("M533", "M62838"), ("97140:GP*2*1:2",), "coccydynia with pelvic floor spasm", COVER, day=WEEK[3]),
    _c("B16", B, "pass", ("N393", "Z9079"), ("97110:GP*2*1", "90912:GP*1*1"), "post-prostatectomy stress incontinence", COVER, sbr09="MB", sex="M"),
    _c("B17", B, "pass", ("N319", "G35"), ("97112:GP*2*1:2",), "neurogenic bladder in multiple sclerosis", COVER, warn=("SPC001",)),
    _c("B18", B, "pass", ("S39013D", "M62838"), ("97140:GP*2*1:2",), "pelvic strain with spasm, subsequent encounter", OG19, day=WEEK[4]),
    _c("B19", B, "pass", ("R3915", "N3941"), ("97112:GP*1*1:2", "97530:GP*1*1"), "urgency with urge incontinence", COVER, day=WEEK[4]),
    _c("B20", B, "pass", ("N393",), ("97162:GP*1*1", "97140:GP:59*1*1"), "pelvic PT evaluation with distinct manual therapy", NCCI),
    _c("B21", B, "pass", ("R32",), ("97112:GP*2*1",), "unspecified urinary incontinence", COVER),
    _c("B22", B, "pass", ("K594",), ("97140:GP*1*1",), "anal spasm", COVER),
    _c("B23", B, "pass", ("N993",), ("97110:GP*2*1",), "vaginal vault prolapse after hysterectomy", COVER),
    _c("B24", B, "pass", ("S39013A",), ("97140:GP*2*1",), "pelvic strain coded initial encounter: the coder should use D", OG19, warn=("DX012",)),
    _c("B25", B, "deny", ("N8111",), ("97110:GP*2*1",), "cystocele on a male patient", SEX, sex="M", edits=("DX011",)),
    _c("B26", B, "deny", ("N411",), ("97140:GP*2*1",), "chronic prostatitis on a female patient", SEX, edits=("DX011",)),
    _c("B27", B, "deny", ("R102",), ("97140:GP*2*1",), "R10.2 is a subcategory since FY2025 (R10.20-R10.24)", OGB2, edits=("DX002",)),
    _c("B28", B, "deny", ("S39013D", "M6283"), ("97140:GP*2*1:2",), "M62.83 not billable; pelvic context fits M62.838", OGB2, edits=("CTX002",)),
    _c("B29", B, "deny", ("N394",), ("97112:GP*2*1",), "N39.4 is a subcategory (N39.41-N39.498)", OGB2, edits=("DX002",)),
    _c("B30", B, "deny", ("N3941",), ("90912*1*1",), "biofeedback by the PT without GP (Medicare)", CR10176, sbr09="MB", edits=("THR002",)),
    _c("B31", B, "deny", ("N393",), ("97014:GP*1*1",), "97014 on Medicare (G0283)", G0283, sbr09="MB", edits=("PRC001",)),
    _c("B32", B, "deny", ("N393",), ("G0283:GP*2*1",), "unattended e-stim billed as two units", CH5, sbr09="MB", edits=("THR007",)),
    _c("B33", B, "deny", ("Z01419",), ("97110:GP*2*1",), "therapy against a gynecological examination code", OGZ, edits=("THR001",)),
    _c("B34", B, "deny", ("N393",), ("97112:CQ*2*1",), "CQ without GP", CQCO, edits=("THR004",)),
    _c("B35", B, "deny", ("N5201",), ("97112:GP*2*1",), "erectile dysfunction on a female patient", SEX, edits=("DX011",)),
    _c("B36", B, "deny", ("N393", "R32"), ("97110:GP*2*1:2",), "stress incontinence with unspecified incontinence: R32 Excludes1", EX1, edits=("DX006",)),
    _c("B37", B, "deny", ("N3941",), ("90913:GP*2*1",), "biofeedback add-on 90913 without its primary code 90912", "NCCI add-on code edits", sbr09="MB", needs="the CMS NCCI add-on code file (primary/add-on pairs)"),
    _c("B38", B, "deny", ("N5201",), ("97112:GP*2*1",), "a commercial plan whose policy excludes pelvic PT for erectile dysfunction", COVER, sex="M", needs="a coverage list for the payer (its pelvic floor therapy policy)"),
    _c("B39", B, "deny", ("N393",), ("97162:GP:CQ*1*1",), "PTA billed the evaluation", CQCO, edits=("THR004",)),
    # ---- C: a Medicare-heavy clinic ------------------------------------------------------------
    _c("C01", C, "pass", ("M1711",), ("97110:GP*2*1", "97140:GP*1*1", "97116:GP*1*1"), "knee OA, three timed codes", CR10176, sbr09="MB"),
    _c("C02", C, "pass", ("M5450",), ("97161:GP*1*1", "97110:GP*1*1", "97140:GP:59*1*1"), "evaluation and treatment, 97140 distinct", NCCI, sbr09="MB", warn=("SPC001",)),
    _c("C03", C, "pass", ("I69351",), ("97530:GO*2*1", "97535:GO*1*1"), "OT after stroke", CR10176, sbr09="MB"),
    _c("C04", C, "pass", ("R2681", "Z9181"), ("97116:GP:CQ*2*1:2", "97110:GP*1*1"), "PTA gait training (CQ with GP)", CQCO, sbr09="MB"),
    _c("C05", C, "pass", ("M48062",), ("97012:GP*1*1", "97110:GP*2*1"), "lumbar stenosis: one unit of traction", CH5, sbr09="MB"),
    _c("C06", C, "pass", ("M5450",), ("G0283:GP*1*1", "97110:GP*2*1"), "unattended e-stim as G0283, one unit", G0283, sbr09="MB", warn=("SPC001",)),
    _c("C07", C, "pass", ("M75111",), ("97035:GP*1*1", "97110:GP*2*1"), "ultrasound with GP", CR10176, sbr09="MB", day=WEEK[1]),
    _c("C08", C, "pass", ("E1142", "R2689"), ("97116:GP*2*1:2", "97112:GP*1*1"), "diabetic polyneuropathy with gait abnormality", COVER, sbr09="MB", day=WEEK[1]),
    _c("C09", C, "pass", ("S72001D",), ("97110:GP*2*1", "97116:GP*2*1"), "hip fracture after repair, subsequent encounter", OG19, sbr09="MB", warn=("SPC001",)),
    _c("C10", C, "pass", ("I69320", "R4701"), ("92507:GN*1*1:2",), "aphasia after stroke", CR10176, sbr09="MB", taxonomy=SLP),
    _c("C11", C, "pass", ("R1312",), ("92526:GN*1*1",), "oropharyngeal dysphagia", CR10176, sbr09="MB", taxonomy=SLP, day=WEEK[2]),
    _c("C12", C, "pass", ("M1711",), ("97164:GP*1*1", "97110:GP*2*1"), "re-evaluation with exercise", CH5, sbr09="MB", day=WEEK[2]),
    _c("C13", C, "pass", ("M1711",), ("97164:GP*1*1", "97530:GP:59*1*1"), "re-evaluation with distinct therapeutic activities", NCCI, sbr09="MB"),
    _c("C14", C, "pass", ("M19011",), ("97167:GO*1*1", "97535:GO*1*1"), "OT evaluation, high complexity", CR10176, sbr09="MB", warn=()),
    _c("C15", C, "pass", ("F0390", "R41841"), ("97129:GN*1*1:2",), "cognitive intervention by the SLP", CR10176, sbr09="MB", taxonomy=SLP),
    _c("C16", C, "pass", ("M1711",), ("97110:GP*3*1",), "Medicare Advantage, exercise with GP", CR10176, sbr09="16", day=WEEK[3]),
    _c("C17", C, "pass", ("M170",), ("97113:GP*2*1",), "aquatic therapy with GP", CR10176, sbr09="MB", day=WEEK[3]),
    _c("C18", C, "pass", ("M5450",), ("97124:GP*1*1", "97110:GP*1*1"), "massage with GP", CR10176, sbr09="MB", warn=("SPC001",)),
    _c("C19", C, "pass", ("G8220",), ("97542:GP*1*1",), "wheelchair management", CR10176, sbr09="MB"),
    _c("C20", C, "pass", ("M5416",), ("97032:GP*1*1", "97110:GP*2*1"), "attended e-stim with GP", CR10176, sbr09="MB", day=WEEK[4]),
    _c("C21", C, "pass", ("I890",), ("97140:GP*2*1",), "lymphedema drainage", COVER, sbr09="MB", day=WEEK[4]),
    _c("C22", C, "pass", ("H8111",), ("95992:GP*1*1",), "canalith repositioning by the PT", CR10176, sbr09="MB"),
    _c("C23", C, "pass", ("Z471", "Z96651"), ("97110:GP*3*1:2",), "after knee replacement", COVER, sbr09="MB"),
    _c("C24", C, "pass", ("U099", "R531"), ("97530:GP*2*1:2",), "post-COVID weakness", COVER, sbr09="MB"),
    _c("C25", C, "pass", ("M5126", "M62830"), ("97110:GP*2*1:2",), "lumbar disc displacement with back spasm", COVER, sbr09="MB"),
    _c("C26", C, "pass", ("M1711",), ("97533:GO*1*1",), "sensory integration by the OT with GO", CR10176, sbr09="MB"),
    _c("C27", C, "pass", ("S42201D",), ("97110:GO*2*1", "97140:GO*1*1"), "proximal humerus fracture, OT, subsequent encounter", OG19, sbr09="MB", warn=("SPC001",)),
    _c("C28", C, "deny", ("M75111",), ("97035*1*1",), "ultrasound without GP", CR10176, sbr09="MB", edits=("THR002",)),
    _c("C29", C, "deny", ("M5416",), ("97012*1*1",), "traction without GP", CR10176, sbr09="MB", edits=("THR002",)),
    _c("C30", C, "deny", ("M5416",), ("97032*1*1",), "attended e-stim without GP", CR10176, sbr09="MB", edits=("THR002",)),
    _c("C31", C, "deny", ("M170",), ("97113*2*1",), "aquatic therapy without GP", CR10176, sbr09="MB", edits=("THR002",)),
    _c("C32", C, "deny", ("M5450",), ("97124*1*1",), "massage without GP", CR10176, sbr09="MB", edits=("THR002",)),
    _c("C33", C, "deny", ("M1711",), ("97533*1*1",), "sensory integration without GO", CR10176, sbr09="MB", edits=("THR002",)),
    _c("C34", C, "deny", ("M5450",), ("G0283*1*1",), "G0283 without GP", CR10176, sbr09="MB", edits=("THR002",)),
    _c("C35", C, "deny", ("R4701",), ("92507*1*1",), "speech treatment without GN", CR10176, sbr09="MB", taxonomy=SLP, edits=("THR002",)),
    _c("C36", C, "deny", ("R1312",), ("92526*1*1",), "swallowing treatment without GN", CR10176, sbr09="MB", taxonomy=SLP, edits=("THR002",)),
    _c("C37", C, "deny", ("M5450",), ("97530:GP*1*1", "97140:GP*1*1"), "97530 with 97140, no 59", NCCI, sbr09="MB", edits=("THR005",)),
    _c("C38", C, "deny", ("M5450",), ("97161:GP*1*1", "97140:GP*1*1"), "PT evaluation with 97140, no 59", NCCI, sbr09="MB", edits=("THR005",)),
    _c("C39", C, "deny", ("M1711",), ("97164:GP*1*1", "97530:GP*1*1"), "re-evaluation with 97530, no 59", NCCI, sbr09="MB", edits=("THR005",)),
    _c("C40", C, "deny", ("M5450",), ("G0283:GP*3*1",), "G0283 billed as three units", CH5, sbr09="MB", edits=("THR007",)),
    _c("C41", C, "deny", ("M5416",), ("97012:GP*2*1",), "traction billed as two units", CH5, sbr09="MB", edits=("THR007",)),
    _c("C42", C, "deny", ("M1711",), ("97110:GP*0*1",), "zero units", CH5, sbr09="MB", edits=("THR007",)),
    _c("C43", C, "deny", ("M5450",), ("97001:GP*1*1",), "deleted 97001", CPT17, sbr09="MB", edits=("PRC001",)),
    _c("C44", C, "deny", ("M5450",), ("97111:GP*1*1",), "made-up 97111", CPT17, sbr09="MB", edits=("PRC001",)),
    _c("C45", C, "deny", ("M5450",), ("97014:GP*1*1",), "97014 is G0283 on Medicare", G0283, sbr09="MB", edits=("PRC001",)),
    _c("C46", C, "deny", ("M5450",), ("97161:GP:CQ*1*1",), "CQ on an evaluation", CQCO, sbr09="MB", edits=("THR004",)),
    _c("C47", C, "deny", ("M5450",), ("97161:GP*1*1", "97162:GP*1*1"), "two evaluation levels on one day", NCCI0, sbr09="MB", edits=("THR005",)),
    _c("C48", C, "deny", ("M5450",), ("97140:GP:GO*1*1",), "GP and GO on one line", CR10176, sbr09="MB", edits=("THR002",)),
    _c("C49", C, "deny", ("M5450", "S39012D"), ("97110:GP*2*1:2",), "low back pain with lumbar strain (Excludes1)", EX1, sbr09="MB", edits=("DX006",)),
    _c("C50", C, "deny", ("M1711",), ("97110:GP:CO*2*1",), "CO on a PT line", CQCO, sbr09="MB", edits=("THR004",)),
    _c("C51", C, "deny", ("S334XXD", "M6283"), ("97110:GP*2*1:2",), "M62.83 not billable; symphysis context fits M62.838", OGB2, sbr09="MB", edits=("CTX002",)),
    _c("C52", C, "deny", ("M19011",), ("97165:GP*1*1",), "OT evaluation with GP", CR10176, sbr09="MB", edits=("THR002",)),
    _c("C53", C, "deny", ("M1711",), ("97110:GP*8*1",), "eight units of exercise in one day, above the practitioner MUE", "CMS practitioner MUE table", sbr09="MB", needs="the CMS practitioner MUE file (MUE value for 97110)"),
    _c("C54", C, "deny", ("I10",), ("97110:GP*2*1",), "hypertension alone: the MAC's outpatient therapy article does not cover it", COVER, sbr09="MB", edits=("THR006",), needs="a coverage list for the payer (the MAC's LCD billing-and-coding article)"),
    _c("C55", C, "deny", ("M1711",), ("97110:GP*2*1",), "above the KX threshold for the year without KX", "BBA 2018 / CMS KX threshold", sbr09="MB", needs="the patient's year-to-date therapy charges (KX threshold accumulator)"),
    _c("C56", C, "deny", ("M1711",), ("97110:GP*2*1",), "filed more than 12 months after the date of service", TIMELY, sbr09="MB", edits=("DTE003",), needs="DTE003 as an error for Medicare (today a warning; a profile sets it)", day="20250801"),
]
