"""Fixed data of the demo supplier's world (issue #11 item 8): the catalogue, the countries with
real cities, their coordinates and IANA zones, and the small word lists the customers' names
are made from.

Sources: the catalogue follows the project's reference notes (supply-chain-and-transport.md §5:
bulk Mo-99 sold in 6-day Ci, I-131 solution and capsules, Ga-68 generators 1.11/1.85 GBq, kits
in packs of 5 vials; radiopharmacy.md and isoflow.physics.generator_catalogue for the GT-4K
generator of 19 GBq). No public price list exists (reference §5 "Pricing"): every price here is
illustrative, and the products' notes say so. The countries are those an exporter of this kind
serves (the mission's seeds name Europe, Asia, the Middle East, the CIS and Latin America:
Brazil, Cuba, Belarus, Kazakhstan, China, India); coordinates are the cities' approximate
latitude and longitude, used only to make transit times plausible.
"""

from __future__ import annotations

from dataclasses import dataclass

GBQ, TBQ = 1e9, 1e12
#: one 6-day curie: the Mo-99 curies present 6 days after leaving the processor
SIX_DAY_CI_BQ = 3.7e10
DAY_S = 86400.0
ILLUSTRATIVE = ("Prices are illustrative: no public price list exists for this product "
                "(demo data).")


@dataclass(frozen=True)
class ProductSpec:
    code: str
    name: str
    nuclide: str
    form: str  # store.supplier_models.PRODUCT_FORMS
    sizes_gbq: tuple[float, ...]
    calibration: str  # reference_time | six_day_ci
    shelf_life_days: float | None
    unit_price: float
    price_per_gbq: float
    procedures_per_unit: float | None
    note: str
    #: the physical form of the contents in a package (transport), and special form
    transport_form: str = "solid"
    special_form: bool = False
    #: a cold kit's order activity: the most Tc-99m one pack may be labelled with, 5 vials ×
    #: the vial's maximum of isoflow.domain.department_catalogue (nothing radioactive ships)
    kit_label_gbq: float | None = None


CATALOGUE: tuple[ProductSpec, ...] = (
    ProductSpec("CO60-PENCIL", "Co-60 sealed source pencil for gamma irradiators",
                "Co-60", "special_form", (370_000.0, 444_000.0), "reference_time", None,
                2500.0, 0.08, None,
                "Special-form sealed source (10 or 12 kCi at reference); shipped in a Type "
                "B(U) cask. " + ILLUSTRATIVE, special_form=True),
    ProductSpec("MO99-BULK", "Sodium molybdate Mo-99, bulk solution (sold in 6-day Ci)",
                "Mo-99", "liquid", (), "six_day_ci", 6, 0.0, 12.0, None,
                "Activity in 6-day Ci: the Mo-99 present 6 days after it leaves the processor "
                "(1 six-day Ci is about 4.54 Ci at end of processing). " + ILLUSTRATIVE,
                transport_form="liquid"),
    ProductSpec("I131-SOL", "Sodium iodide I-131 solution", "I-131", "liquid", (),
                "reference_time", 28, 50.0, 15.0, None,
                "Oral and bulk solution, activity at the reference time. " + ILLUSTRATIVE,
                transport_form="liquid"),
    ProductSpec("I131-CAPS", "Sodium iodide I-131 capsules", "I-131", "solid",
                (0.37, 0.74, 1.11, 1.85, 3.7, 5.55), "reference_time", 21, 25.0, 60.0, None,
                "Diagnostic and therapeutic capsules, activity per capsule at the reference "
                "time. " + ILLUSTRATIVE),
    ProductSpec("TC-GEN", "Tc-99m generator, GT-4K type (2-20 GBq Mo-99)", "Mo-99",
                "generator", (2.0, 5.0, 10.0, 15.0, 19.0, 20.0), "reference_time", 21,
                350.0, 45.0, 60.0,
                "Mo-99/Tc-99m generator, Mo-99 activity at the calibration time on the "
                "passport; 19 GBq is the GT-4K size the demo hospital uses. " + ILLUSTRATIVE),
    ProductSpec("GA-GEN", "Ge-68/Ga-68 generator", "Ge-68", "generator", (1.11, 1.85),
                "reference_time", 365, 18000.0, 14000.0, 400.0,
                "Ge-68 activity at the calibration date; replace after 12 months. "
                + ILLUSTRATIVE),
    ProductSpec("MAA-KIT", "Macrotech (MAA) kit for lung perfusion, pack of 5 vials",
                "Tc-99m", "cold_kit", (), "reference_time", 365, 95.0, 0.0, 10.0,
                "Cold kit (no activity shipped), labelled with Tc-99m eluate. "
                + ILLUSTRATIVE, kit_label_gbq=5 * 1.184),
    ProductSpec("MDP-KIT", "Medronate (MDP) bone kit, pack of 5 vials", "Tc-99m",
                "cold_kit", (), "reference_time", 365, 60.0, 0.0, 15.0,
                "Cold kit (no activity shipped), labelled with Tc-99m eluate. "
                + ILLUSTRATIVE, kit_label_gbq=5 * 11.1),
    ProductSpec("DTPA-KIT", "Pentetate (DTPA) renal kit, pack of 5 vials", "Tc-99m",
                "cold_kit", (), "reference_time", 365, 70.0, 0.0, 10.0,
                "Cold kit (no activity shipped), labelled with Tc-99m eluate. "
                + ILLUSTRATIVE, kit_label_gbq=5 * 7.5),
)

#: where the supplier dispatches from (Moscow region)
ORIGIN = (55.75, 37.62)


@dataclass(frozen=True)
class City:
    name: str
    lat: float
    lon: float
    zone: str


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    customers: int
    cities: tuple[City, ...]
    road: bool = False  # reached by road from Moscow region


def _c(name: str, lat: float, lon: float, zone: str) -> City:
    return City(name, lat, lon, zone)


#: 50 foreign countries, 170 customers (the demo hospital in Bishkek among Kyrgyzstan's)
FOREIGN: tuple[Country, ...] = (
    Country("BY", "Belarus", 9, (_c("Minsk", 53.90, 27.57, "Europe/Minsk"),
                                  _c("Gomel", 52.44, 30.98, "Europe/Minsk"),
                                  _c("Brest", 52.10, 23.70, "Europe/Minsk"),
                                  _c("Vitebsk", 55.19, 30.20, "Europe/Minsk")), road=True),
    Country("KZ", "Kazakhstan", 8, (_c("Almaty", 43.24, 76.89, "Asia/Almaty"),
                                     _c("Astana", 51.17, 71.45, "Asia/Almaty"),
                                     _c("Shymkent", 42.32, 69.59, "Asia/Almaty"),
                                     _c("Aktobe", 50.28, 57.17, "Asia/Aqtobe"))),
    Country("UZ", "Uzbekistan", 6, (_c("Tashkent", 41.30, 69.24, "Asia/Tashkent"),
                                    _c("Samarkand", 39.65, 66.96, "Asia/Samarkand"))),
    Country("KG", "Kyrgyzstan", 4, (_c("Bishkek", 42.87, 74.59, "Asia/Bishkek"),
                                    _c("Osh", 40.53, 72.80, "Asia/Bishkek"))),
    Country("TJ", "Tajikistan", 3, (_c("Dushanbe", 38.56, 68.78, "Asia/Dushanbe"),)),
    Country("TM", "Turkmenistan", 2, (_c("Ashgabat", 37.96, 58.33, "Asia/Ashgabat"),)),
    Country("AM", "Armenia", 3, (_c("Yerevan", 40.18, 44.51, "Asia/Yerevan"),)),
    Country("AZ", "Azerbaijan", 3, (_c("Baku", 40.41, 49.87, "Asia/Baku"),)),
    Country("GE", "Georgia", 2, (_c("Tbilisi", 41.72, 44.78, "Asia/Tbilisi"),)),
    Country("MD", "Moldova", 2, (_c("Chisinau", 47.01, 28.86, "Europe/Chisinau"),)),
    Country("MN", "Mongolia", 3, (_c("Ulaanbaatar", 47.89, 106.91, "Asia/Ulaanbaatar"),)),
    Country("CN", "China", 12, (_c("Beijing", 39.90, 116.40, "Asia/Shanghai"),
                                _c("Shanghai", 31.23, 121.47, "Asia/Shanghai"),
                                _c("Guangzhou", 23.13, 113.26, "Asia/Shanghai"),
                                _c("Chengdu", 30.57, 104.07, "Asia/Shanghai"),
                                _c("Harbin", 45.80, 126.53, "Asia/Shanghai"))),
    Country("IN", "India", 9, (_c("New Delhi", 28.61, 77.21, "Asia/Kolkata"),
                                _c("Mumbai", 19.08, 72.88, "Asia/Kolkata"),
                                _c("Chennai", 13.08, 80.27, "Asia/Kolkata"),
                                _c("Bengaluru", 12.97, 77.59, "Asia/Kolkata"),
                                _c("Kolkata", 22.57, 88.36, "Asia/Kolkata"))),
    Country("VN", "Vietnam", 4, (_c("Hanoi", 21.03, 105.85, "Asia/Bangkok"),
                                 _c("Ho Chi Minh City", 10.82, 106.63, "Asia/Ho_Chi_Minh"))),
    Country("TH", "Thailand", 3, (_c("Bangkok", 13.76, 100.50, "Asia/Bangkok"),)),
    Country("MY", "Malaysia", 2, (_c("Kuala Lumpur", 3.14, 101.69, "Asia/Kuala_Lumpur"),)),
    Country("ID", "Indonesia", 3, (_c("Jakarta", -6.21, 106.85, "Asia/Jakarta"),
                                   _c("Surabaya", -7.25, 112.75, "Asia/Jakarta"))),
    Country("BD", "Bangladesh", 3, (_c("Dhaka", 23.81, 90.41, "Asia/Dhaka"),)),
    Country("LK", "Sri Lanka", 2, (_c("Colombo", 6.93, 79.86, "Asia/Colombo"),)),
    Country("IR", "Iran", 4, (_c("Tehran", 35.69, 51.39, "Asia/Tehran"),
                              _c("Isfahan", 32.65, 51.67, "Asia/Tehran"))),
    Country("TR", "Türkiye", 4, (_c("Ankara", 39.93, 32.86, "Europe/Istanbul"),
                                 _c("Istanbul", 41.01, 28.98, "Europe/Istanbul"))),
    Country("EG", "Egypt", 5, (_c("Cairo", 30.04, 31.24, "Africa/Cairo"),
                               _c("Alexandria", 31.20, 29.92, "Africa/Cairo"))),
    Country("SA", "Saudi Arabia", 3, (_c("Riyadh", 24.71, 46.68, "Asia/Riyadh"),
                                      _c("Jeddah", 21.49, 39.19, "Asia/Riyadh"))),
    Country("AE", "United Arab Emirates", 3, (_c("Dubai", 25.20, 55.27, "Asia/Dubai"),
                                              _c("Abu Dhabi", 24.45, 54.38, "Asia/Dubai"))),
    Country("JO", "Jordan", 2, (_c("Amman", 31.95, 35.93, "Asia/Amman"),)),
    Country("IQ", "Iraq", 3, (_c("Baghdad", 33.31, 44.36, "Asia/Baghdad"),
                              _c("Erbil", 36.19, 44.01, "Asia/Baghdad"))),
    Country("OM", "Oman", 2, (_c("Muscat", 23.59, 58.41, "Asia/Muscat"),)),
    Country("QA", "Qatar", 2, (_c("Doha", 25.29, 51.53, "Asia/Qatar"),)),
    Country("KW", "Kuwait", 2, (_c("Kuwait City", 29.38, 47.99, "Asia/Kuwait"),)),
    Country("DZ", "Algeria", 3, (_c("Algiers", 36.75, 3.06, "Africa/Algiers"),
                                 _c("Oran", 35.70, -0.63, "Africa/Algiers"))),
    Country("TN", "Tunisia", 2, (_c("Tunis", 36.81, 10.18, "Africa/Tunis"),)),
    Country("MA", "Morocco", 2, (_c("Casablanca", 33.57, -7.59, "Africa/Casablanca"),
                                 _c("Rabat", 34.02, -6.84, "Africa/Casablanca"))),
    Country("ZA", "South Africa", 3, (_c("Johannesburg", -26.20, 28.05,
                                         "Africa/Johannesburg"),
                                      _c("Cape Town", -33.92, 18.42, "Africa/Johannesburg"))),
    Country("ET", "Ethiopia", 2, (_c("Addis Ababa", 9.03, 38.74, "Africa/Addis_Ababa"),)),
    Country("NG", "Nigeria", 2, (_c("Lagos", 6.52, 3.38, "Africa/Lagos"),
                                 _c("Abuja", 9.08, 7.40, "Africa/Lagos"))),
    Country("TZ", "Tanzania", 2, (_c("Dar es Salaam", -6.79, 39.21,
                                     "Africa/Dar_es_Salaam"),)),
    Country("BR", "Brazil", 6, (_c("São Paulo", -23.55, -46.63, "America/Sao_Paulo"),
                                _c("Rio de Janeiro", -22.91, -43.17, "America/Sao_Paulo"),
                                _c("Belo Horizonte", -19.92, -43.94, "America/Sao_Paulo"),
                                _c("Recife", -8.05, -34.88, "America/Recife"))),
    Country("AR", "Argentina", 4, (_c("Buenos Aires", -34.60, -58.38,
                                      "America/Argentina/Buenos_Aires"),
                                   _c("Córdoba", -31.42, -64.18,
                                      "America/Argentina/Cordoba"))),
    Country("CU", "Cuba", 4, (_c("Havana", 23.11, -82.37, "America/Havana"),
                              _c("Santiago de Cuba", 20.02, -75.82, "America/Havana"),
                              _c("Camagüey", 21.38, -77.92, "America/Havana"))),
    Country("VE", "Venezuela", 3, (_c("Caracas", 10.48, -66.90, "America/Caracas"),)),
    Country("BO", "Bolivia", 2, (_c("La Paz", -16.49, -68.12, "America/La_Paz"),
                                 _c("Santa Cruz de la Sierra", -17.81, -63.16,
                                    "America/La_Paz"))),
    Country("NI", "Nicaragua", 2, (_c("Managua", 12.11, -86.24, "America/Managua"),)),
    Country("MX", "Mexico", 3, (_c("Mexico City", 19.43, -99.13, "America/Mexico_City"),
                                _c("Monterrey", 25.69, -100.32, "America/Monterrey"))),
    Country("CL", "Chile", 2, (_c("Santiago", -33.45, -70.67, "America/Santiago"),)),
    Country("PE", "Peru", 2, (_c("Lima", -12.05, -77.04, "America/Lima"),)),
    Country("CO", "Colombia", 2, (_c("Bogotá", 4.71, -74.07, "America/Bogota"),)),
    Country("RS", "Serbia", 3, (_c("Belgrade", 44.79, 20.45, "Europe/Belgrade"),
                                _c("Novi Sad", 45.27, 19.83, "Europe/Belgrade"))),
    Country("HU", "Hungary", 3, (_c("Budapest", 47.50, 19.04, "Europe/Budapest"),
                                 _c("Debrecen", 47.53, 21.63, "Europe/Budapest"))),
    Country("SK", "Slovakia", 2, (_c("Bratislava", 48.15, 17.11, "Europe/Bratislava"),
                                  _c("Košice", 48.72, 21.26, "Europe/Bratislava"))),
    Country("BG", "Bulgaria", 3, (_c("Sofia", 42.70, 23.32, "Europe/Sofia"),
                                  _c("Plovdiv", 42.14, 24.75, "Europe/Sofia"))),
)

#: Russian cities for the ~600 domestic customers (weight: how many customers each has)
DOMESTIC: tuple[tuple[City, int], ...] = (
    (_c("Moscow", 55.75, 37.62, "Europe/Moscow"), 60),
    (_c("Saint Petersburg", 59.94, 30.31, "Europe/Moscow"), 40),
    (_c("Obninsk", 55.10, 36.61, "Europe/Moscow"), 10),
    (_c("Tver", 56.86, 35.90, "Europe/Moscow"), 10),
    (_c("Yaroslavl", 57.63, 39.87, "Europe/Moscow"), 12),
    (_c("Nizhny Novgorod", 56.33, 44.00, "Europe/Moscow"), 22),
    (_c("Kazan", 55.79, 49.12, "Europe/Moscow"), 17),
    (_c("Voronezh", 51.67, 39.18, "Europe/Moscow"), 15),
    (_c("Kursk", 51.73, 36.19, "Europe/Moscow"), 10),
    (_c("Rostov-on-Don", 47.24, 39.71, "Europe/Moscow"), 20),
    (_c("Krasnodar", 45.04, 38.98, "Europe/Moscow"), 20),
    (_c("Sochi", 43.60, 39.73, "Europe/Moscow"), 8),
    (_c("Arkhangelsk", 64.54, 40.54, "Europe/Moscow"), 8),
    (_c("Murmansk", 68.97, 33.07, "Europe/Moscow"), 7),
    (_c("Kaliningrad", 54.71, 20.51, "Europe/Kaliningrad"), 10),
    (_c("Volgograd", 48.71, 44.51, "Europe/Volgograd"), 14),
    (_c("Saratov", 51.53, 46.03, "Europe/Saratov"), 12),
    (_c("Samara", 53.20, 50.15, "Europe/Samara"), 18),
    (_c("Ufa", 54.74, 55.97, "Asia/Yekaterinburg"), 15),
    (_c("Perm", 58.01, 56.25, "Asia/Yekaterinburg"), 14),
    (_c("Yekaterinburg", 56.84, 60.61, "Asia/Yekaterinburg"), 24),
    (_c("Chelyabinsk", 55.16, 61.40, "Asia/Yekaterinburg"), 18),
    (_c("Tyumen", 57.15, 65.53, "Asia/Yekaterinburg"), 10),
    (_c("Omsk", 54.99, 73.37, "Asia/Omsk"), 14),
    (_c("Novosibirsk", 55.03, 82.92, "Asia/Novosibirsk"), 22),
    (_c("Tomsk", 56.48, 84.95, "Asia/Tomsk"), 14),
    (_c("Krasnoyarsk", 56.01, 92.87, "Asia/Krasnoyarsk"), 16),
    (_c("Irkutsk", 52.29, 104.28, "Asia/Irkutsk"), 14),
    (_c("Yakutsk", 62.03, 129.73, "Asia/Yakutsk"), 6),
    (_c("Khabarovsk", 48.48, 135.08, "Asia/Vladivostok"), 12),
    (_c("Vladivostok", 43.12, 131.89, "Asia/Vladivostok"), 12),
    (_c("Magadan", 59.56, 150.80, "Asia/Magadan"), 4),
    (_c("Petropavlovsk-Kamchatsky", 53.02, 158.65, "Asia/Kamchatka"), 4),
    (_c("Dimitrovgrad", 54.22, 49.62, "Europe/Ulyanovsk"), 8),
    (_c("Tula", 54.19, 37.62, "Europe/Moscow"), 12),
    (_c("Ryazan", 54.63, 39.74, "Europe/Moscow"), 10),
    (_c("Smolensk", 54.78, 32.05, "Europe/Moscow"), 9),
    (_c("Belgorod", 50.60, 36.59, "Europe/Moscow"), 10),
    (_c("Penza", 53.20, 45.00, "Europe/Moscow"), 9),
    (_c("Orenburg", 51.77, 55.10, "Asia/Yekaterinburg"), 10),
    (_c("Barnaul", 53.35, 83.78, "Asia/Barnaul"), 10),
    (_c("Kemerovo", 55.35, 86.09, "Asia/Novokuznetsk"), 10),
)

#: words the customers' names are made of, by kind
HOSPITAL_NAMES = ("{city} Regional Clinical Hospital No. {n}", "{city} Oncology Centre",
                  "{city} University Hospital", "{city} Centre of Nuclear Medicine",
                  "{city} City Hospital No. {n}", "{city} Cardiology Centre",
                  "{city} Children's Hospital", "{city} Endocrinology Centre")
DISTRIBUTOR_NAMES = ("{city} Radiopharma Distribution", "{word} Isotopes, {city}",
                     "{word} Medical Supplies, {city}", "{word} Nuclear Trading, {city}")
RESEARCH_NAMES = ("{city} Institute of Nuclear Physics", "{city} Institute of Biophysics",
                  "{city} Radiochemistry Laboratory", "{word} Research Centre, {city}")
IRRADIATION_NAMES = ("{city} Gamma Sterilisation Centre", "{word} Irradiation Services, "
                     "{city}", "{city} Radiation Processing Plant")
WORDS = ("Alpha", "Meridian", "Aurora", "Vector", "Orion", "Polaris", "Zenith", "Atlas",
         "Helios", "Nova", "Sigma", "Delta", "Horizon", "Quantum", "Vega", "Lyra")
