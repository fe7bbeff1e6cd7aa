"""Co-medicine names a nurse types, generic and common UK/US brand, with their WHO ATC code
(clinical-rules §5, §10): what domain/drugs.py classifies interactions by.

Source of the codes: the WHO Collaborating Centre for Drug Statistics Methodology, ATC/DDD Index
(https://atcddd.fhi.no/atc_ddd_index/). A brand carries the code of its active substance (a
combination product the code of the combination). Only medicines whose code and class are sure
are listed; a name that is not here is 'not recognised' and the app asks for a pharmacist's check
(interaction.unknown), so leaving a name out is the cautious choice. Names are lower case, one
word (hyphens allowed; they are optional when typed); two-word brands are written joined
("mscontin" for "MS Contin").
"""

from __future__ import annotations

#: name -> WHO ATC code
ATC: dict[str, str] = {
    # N02A opioids (and opioids filed elsewhere: codeine R05DA04, opioid anaesthetics N01AH,
    # opioids for dependence N07BC)
    "morphine": "N02AA01", "oramorph": "N02AA01", "mst": "N02AA01", "mscontin": "N02AA01",
    "zomorph": "N02AA01", "sevredol": "N02AA01",
    "hydromorphone": "N02AA03", "palladone": "N02AA03", "dilaudid": "N02AA03",
    "oxycodone": "N02AA05", "oxycontin": "N02AA05", "oxynorm": "N02AA05", "shortec": "N02AA05",
    "longtec": "N02AA05", "roxicodone": "N02AA05",
    "targinact": "N02AA55",  # oxycodone and naloxone
    "dihydrocodeine": "N02AA08",
    "diamorphine": "N02AA09", "heroin": "N02AA09",
    "papaveretum": "N02AA10",
    "pethidine": "N02AB02", "meperidine": "N02AB02", "demerol": "N02AB02",
    "fentanyl": "N02AB03", "durogesic": "N02AB03", "duragesic": "N02AB03", "abstral": "N02AB03",
    "effentora": "N02AB03", "actiq": "N02AB03",
    "pentazocine": "N02AD01",
    "buprenorphine": "N02AE01", "butrans": "N02AE01", "transtec": "N02AE01",
    "temgesic": "N02AE01",
    "tramadol": "N02AX02", "zydol": "N02AX02", "zamadol": "N02AX02", "ultram": "N02AX02",
    "tapentadol": "N02AX06", "palexia": "N02AX06", "nucynta": "N02AX06",
    "co-dydramol": "N02AJ01",  # dihydrocodeine and paracetamol
    "co-codamol": "N02AJ06", "solpadol": "N02AJ06", "kapake": "N02AJ06", "zapain": "N02AJ06",
    "tylex": "N02AJ06",  # codeine and paracetamol
    "tramacet": "N02AJ13",  # tramadol and paracetamol
    "codeine": "R05DA04", "hydrocodone": "R05DA03",
    "alfentanil": "N01AH02", "sufentanil": "N01AH03", "remifentanil": "N01AH06",
    "methadone": "N07BC02", "physeptone": "N07BC02",
    "subutex": "N07BC01",  # buprenorphine for opioid dependence
    # N05BA benzodiazepine anxiolytics
    "diazepam": "N05BA01", "valium": "N05BA01", "diazemuls": "N05BA01", "stesolid": "N05BA01",
    "chlordiazepoxide": "N05BA02", "librium": "N05BA02",
    "oxazepam": "N05BA04", "clorazepate": "N05BA05",
    "lorazepam": "N05BA06", "ativan": "N05BA06",
    "bromazepam": "N05BA08",
    "clobazam": "N05BA09", "frisium": "N05BA09", "onfi": "N05BA09", "sympazan": "N05BA09",
    "alprazolam": "N05BA12", "xanax": "N05BA12",
    # N05CD benzodiazepine hypnotics
    "flurazepam": "N05CD01", "nitrazepam": "N05CD02", "mogadon": "N05CD02",
    "flunitrazepam": "N05CD03", "triazolam": "N05CD05", "lormetazepam": "N05CD06",
    "temazepam": "N05CD07",
    "midazolam": "N05CD08", "buccolam": "N05CD08", "epistatus": "N05CD08", "hypnovel": "N05CD08",
    "loprazolam": "N05CD11",
    # a benzodiazepine filed with the antiepileptics
    "clonazepam": "N03AE01", "rivotril": "N03AE01", "klonopin": "N03AE01",
    # N05CF Z-drugs
    "zopiclone": "N05CF01", "zimovane": "N05CF01", "zolpidem": "N05CF02", "stilnoct": "N05CF02",
    "ambien": "N05CF02", "zaleplon": "N05CF03", "sonata": "N05CF03", "eszopiclone": "N05CF04",
    "lunesta": "N05CF04",
    # N03AA and N05CA barbiturates
    "phenobarbital": "N03AA02", "phenobarbitone": "N03AA02",
    "primidone": "N03AA03", "mysoline": "N03AA03",
    "pentobarbital": "N05CA01", "amobarbital": "N05CA02", "amylobarbitone": "N05CA02",
    "butobarbital": "N05CA03", "secobarbital": "N05CA06",
    # gabapentinoids
    "gabapentin": "N03AX12", "neurontin": "N03AX12",
    "pregabalin": "N03AX16", "lyrica": "N03AX16", "alzain": "N03AX16", "axalid": "N03AX16",
    # centrally acting muscle relaxants (baclofen itself, M03BX01, is left out) and dantrolene
    "tizanidine": "M03BX02", "zanaflex": "M03BX02",
    "cyclobenzaprine": "M03BX08", "flexeril": "M03BX08",
    "carisoprodol": "M03BA02", "methocarbamol": "M03BA03", "robaxin": "M03BA03",
    "orphenadrine": "M03BC01",
    "dantrolene": "M03CA01", "dantrium": "M03CA01",
    # N01A general anaesthetics (thiopental is a barbiturate filed here)
    "isoflurane": "N01AB06", "desflurane": "N01AB07", "sevoflurane": "N01AB08",
    "methohexital": "N01AF01", "thiopental": "N01AF03", "thiopentone": "N01AF03",
    "ketamine": "N01AX03", "ketalar": "N01AX03", "etomidate": "N01AX07",
    "propofol": "N01AX10", "diprivan": "N01AX10", "nitrous": "N01AX13",
    # alcohol (ethanol)
    "alcohol": "V03AB16", "ethanol": "V03AB16",
    # monoamine oxidase inhibitors
    "isocarboxazid": "N06AF01", "phenelzine": "N06AF03", "nardil": "N06AF03",
    "tranylcypromine": "N06AF04", "moclobemide": "N06AG02", "manerix": "N06AG02",
    # sedating antihistamines
    "promethazine": "R06AD02", "phenergan": "R06AD02",
    "chlorphenamine": "R06AB04", "chlorpheniramine": "R06AB04", "piriton": "R06AB04",
    "hydroxyzine": "N05BB01", "atarax": "N05BB01", "ucerax": "N05BB01",
    # sedating antipsychotics
    "clozapine": "N05AH02", "clozaril": "N05AH02", "olanzapine": "N05AH03", "zyprexa": "N05AH03",
    "quetiapine": "N05AH04", "seroquel": "N05AH04",
    # lithium
    "lithium": "N05AN01", "priadel": "N05AN01", "camcolit": "N05AN01", "liskonum": "N05AN01",
    # antihypertensives: C02 antiadrenergic, C03 diuretics, C07 beta blockers, C08 calcium channel
    # blockers, C09 renin-angiotensin agents
    "methyldopa": "C02AB01", "clonidine": "C02AC01", "catapres": "C02AC01",
    "doxazosin": "C02CA04", "cardura": "C02CA04", "hydralazine": "C02DB02",
    "bendroflumethiazide": "C03AA01", "indapamide": "C03BA11",
    "furosemide": "C03CA01", "frusemide": "C03CA01", "lasix": "C03CA01", "bumetanide": "C03CA02",
    "spironolactone": "C03DA01", "aldactone": "C03DA01",
    "propranolol": "C07AA05", "inderal": "C07AA05", "metoprolol": "C07AB02", "lopresor": "C07AB02",
    "atenolol": "C07AB03", "tenormin": "C07AB03", "bisoprolol": "C07AB07", "cardicor": "C07AB07",
    "emcor": "C07AB07", "nebivolol": "C07AB12", "labetalol": "C07AG01", "carvedilol": "C07AG02",
    "amlodipine": "C08CA01", "istin": "C08CA01", "norvasc": "C08CA01", "felodipine": "C08CA02",
    "plendil": "C08CA02", "nifedipine": "C08CA05", "adalat": "C08CA05",
    "lercanidipine": "C08CA13", "zanidip": "C08CA13", "verapamil": "C08DA01",
    "diltiazem": "C08DB01", "tildiem": "C08DB01",
    "captopril": "C09AA01", "enalapril": "C09AA02", "innovace": "C09AA02",
    "lisinopril": "C09AA03", "zestril": "C09AA03", "perindopril": "C09AA04", "coversyl": "C09AA04",
    "ramipril": "C09AA05", "tritace": "C09AA05",
    "losartan": "C09CA01", "cozaar": "C09CA01", "valsartan": "C09CA03", "diovan": "C09CA03",
    "irbesartan": "C09CA04", "aprovel": "C09CA04", "candesartan": "C09CA06", "amias": "C09CA06",
    # levodopa (carbidopa and benserazide are only given with it)
    "levodopa": "N04BA01",
    "co-careldopa": "N04BA02", "sinemet": "N04BA02", "caramet": "N04BA02", "lecado": "N04BA02",
    "carbidopa": "N04BA02", "co-beneldopa": "N04BA02", "madopar": "N04BA02",
    "stalevo": "N04BA03",
    # tricyclic antidepressants
    "imipramine": "N06AA02", "clomipramine": "N06AA04", "anafranil": "N06AA04",
    "trimipramine": "N06AA06", "lofepramine": "N06AA07", "amitriptyline": "N06AA09",
    "nortriptyline": "N06AA10", "doxepin": "N06AA12", "dosulepin": "N06AA16",
    "dothiepin": "N06AA16",
    # NSAIDs (reduce renal function)
    "indometacin": "M01AB01", "indomethacin": "M01AB01", "diclofenac": "M01AB05",
    "voltarol": "M01AB05", "voltaren": "M01AB05", "ketorolac": "M01AB15", "meloxicam": "M01AC06",
    "ibuprofen": "M01AE01", "brufen": "M01AE01", "nurofen": "M01AE01", "advil": "M01AE01",
    "motrin": "M01AE01", "naproxen": "M01AE02", "naprosyn": "M01AE02",
    "mefenamic": "M01AG01", "ponstan": "M01AG01",
    "celecoxib": "M01AH01", "celebrex": "M01AH01", "etoricoxib": "M01AH05", "arcoxia": "M01AH05",
    # common ward medicines with no listed interaction with baclofen (recognised, no alert)
    "paracetamol": "N02BE01", "acetaminophen": "N02BE01", "panadol": "N02BE01",
    "calpol": "N02BE01", "tylenol": "N02BE01",
    "omeprazole": "A02BC01", "losec": "A02BC01", "pantoprazole": "A02BC02",
    "lansoprazole": "A02BC03", "zoton": "A02BC03", "esomeprazole": "A02BC05", "nexium": "A02BC05",
    "senna": "A06AB06", "senokot": "A06AB06", "bisacodyl": "A06AB02", "docusate": "A06AA02",
    "lactulose": "A06AD11", "macrogol": "A06AD15", "laxido": "A06AD15", "movicol": "A06AD15",
    "ondansetron": "A04AA01",
    "metformin": "A10BA02", "gliclazide": "A10BB09",
    "thiamine": "A11DA01",
    "warfarin": "B01AA03", "heparin": "B01AB01", "dalteparin": "B01AB04", "fragmin": "B01AB04",
    "enoxaparin": "B01AB05", "clexane": "B01AB05", "clopidogrel": "B01AC04",
    "rivaroxaban": "B01AF01", "xarelto": "B01AF01", "apixaban": "B01AF02", "eliquis": "B01AF02",
    "edoxaban": "B01AF03",
    "atorvastatin": "C10AA05", "lipitor": "C10AA05", "simvastatin": "C10AA01",
    "levothyroxine": "H03AA01",
    "prednisolone": "H02AB06", "dexamethasone": "H02AB02",
    "amoxicillin": "J01CA04", "co-amoxiclav": "J01CR02",
    "salbutamol": "R03AC02",
}
