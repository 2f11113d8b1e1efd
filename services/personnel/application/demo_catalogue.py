"""The made-up world the demo seed is drawn from: central bodies, districts per region, the staffing
of each kind of body, names, and the mix of rotation outcomes (``demo_data`` draws from it)."""
import random

CENTRAL_BODIES = (
    ("mne", "Ministry of National Economy"),
    ("mf", "Ministry of Finance"),
    ("mic", "Ministry of Industry and Construction"),
    ("moa", "Ministry of Agriculture"),
    ("moe", "Ministry of Energy"),
    ("mot", "Ministry of Transport"),
    ("mdai", "Ministry of Digital Development, Innovations and Aerospace Industry"),
    ("acsa", "Agency for Civil Service Affairs"),
)
DISTRICTS = {
    "KZ-10": ("Ayagoz", "Beskaragai", "Urzhar"), "KZ-11": ("Tselinograd", "Shortandy", "Burabay"),
    "KZ-15": ("Alga", "Martuk", "Khromtau"), "KZ-19": ("Talgar", "Ili", "Karasai"),
    "KZ-23": ("Zhylyoi", "Makhambet", "Isatai"), "KZ-27": ("Burlin", "Terekti", "Akzhaik"),
    "KZ-31": ("Baizak", "Merki", "Shu"), "KZ-33": ("Karatal", "Eskeldi", "Alakol"),
    "KZ-35": ("Bukhar-Zhyrau", "Osakarovka", "Karkaraly"), "KZ-39": ("Zhitikara", "Karasu", "Auliekol"),
    "KZ-43": ("Aral", "Kazaly", "Shieli"), "KZ-47": ("Munaily", "Beineu", "Tupkaragan"),
    "KZ-55": ("Bayanaul", "Irtysh", "Aktogay"), "KZ-59": ("Kyzylzhar", "Aiyrtau", "Esil"),
    "KZ-61": ("Sairam", "Tolebi", "Ordabasy"), "KZ-62": ("Ulytau", "Zhanaarka", "Zhezdi"),
    "KZ-63": ("Glubokoye", "Zaisan", "Katon-Karagai"), "KZ-71": ("Yesil", "Saryarka", "Baikonyr"),
    "KZ-75": ("Medeu", "Bostandyk", "Auezov"), "KZ-79": ("Al-Farabi", "Enbekshi", "Karatau"),
}
# (category, title, count) per kind of body
STAFFING = {
    "central": (("C-1", "Director of Department", 1), ("C-2", "Deputy Director of Department", 3),
                ("C-3", "Head of Division", 6), ("C-4", "Chief Expert", 12), ("C-5", "Expert", 18),
                ("C-6", "Specialist", 20)),
    "regional": (("D-1", "Head of Akimat Department", 2), ("D-2", "Deputy Head of Department", 3),
                 ("D-3", "Head of Division", 6), ("D-4", "Chief Specialist", 10),
                 ("D-5", "Leading Specialist", 10), ("D-6", "Specialist", 9)),
    "district": (("E-1", "Head of District Department", 1), ("E-2", "Deputy Head of Department", 2),
                 ("E-3", "Head of Division", 3), ("E-4", "Chief Specialist", 6),
                 ("E-5", "Specialist", 6), ("E-G-1", "Head of Rural District Akim's Office", 2),
                 ("E-G-2", "Chief Specialist of Rural District", 3),
                 ("E-G-3", "Leading Specialist of Rural District", 3),
                 ("E-G-4", "Specialist of Rural District", 4)),
}
UNITS = ("Economy and Budget Planning", "Investment and Entrepreneurship", "Agriculture",
         "Human Resources", "Digitalisation", "Construction and Housing", "Social Programmes")
FILL_RATE = {"central": 0.55, "regional": 0.85, "district": 0.85}

SURNAMES = ("Akhmetov", "Suleimenov", "Zhaksybekov", "Omarov", "Iskakov", "Nurlanov", "Abenov",
            "Bekmukhambetov", "Kassymov", "Tokayev", "Sarsenbayev", "Mukanov", "Zhumabayev",
            "Dzhaksybekov", "Temirkhanov", "Utepov", "Seitkaliyev", "Baimukhanov", "Yesenov",
            "Kenzhebekov", "Tuleuov", "Almukhanov", "Sadykov", "Kairatov", "Rakhimov", "Ospanov",
            "Zhunusov", "Smagulov", "Aitbayev", "Baizhanov", "Yerlanov", "Nurpeisov")
MALE_NAMES = ("Nurlan", "Yerlan", "Askar", "Daniyar", "Yerzhan", "Aidos", "Arman", "Bauyrzhan",
              "Dauren", "Marat", "Nurzhan", "Serik", "Talgat", "Timur", "Azamat", "Berik", "Kairat",
              "Yerbol", "Zhandos", "Olzhas", "Almas", "Adilet", "Sanzhar", "Miras", "Alibek", "Ruslan")
FEMALE_NAMES = ("Aigerim", "Aizhan", "Dana", "Gulnara", "Dinara", "Zhanar", "Saule", "Aliya",
                "Madina", "Assel", "Ainur", "Botagoz", "Kamila", "Aruzhan", "Togzhan", "Gulmira",
                "Karlygash", "Assem", "Meruert", "Zarina", "Akmaral", "Saltanat")
FATHER_NAMES = ("Nurlan", "Serik", "Marat", "Bolat", "Kairat", "Yerlan", "Askar", "Amangeldy",
                "Zhanibek", "Mukhtar", "Sultan", "Temirlan", "Abai", "Beibit", "Talgat", "Yesen")

# rotations per final status, per 360
STATUS_MIX = (("completed", 80), ("started", 50), ("extended", 30), ("returning", 30),
              ("approved", 40), ("partially_approved", 30), ("requested", 40),
              ("rejected", 30), ("cancelled", 30))
DIRECTION_MIX = (("region_to_centre", 70), ("centre_to_region", 15), ("region_to_region", 15))


def full_name(rng: random.Random, sex: str) -> str:
    """Surname, given name, patronymic: ``-uly`` / ``-kyzy``, or the Russian-style ``-ovich`` /
    ``-ovna`` that many documents still carry (only after a consonant, as in Serikovich)."""
    surname = rng.choice(SURNAMES)
    father = rng.choice(FATHER_NAMES)
    russian_style = father[-1] not in "aeiouy" and rng.random() < 0.5
    if sex == "male":
        patronymic = f"{father}ovich" if russian_style else f"{father}uly"
        return f"{surname} {rng.choice(MALE_NAMES)} {patronymic}"
    patronymic = f"{father}ovna" if russian_style else f"{father}kyzy"
    return f"{surname}a {rng.choice(FEMALE_NAMES)} {patronymic}"
