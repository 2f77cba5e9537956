"""How attributes and their values are written in ZebraLogic-style puzzle text.

Each :class:`AttributeSpec` gives an attribute's column name (as in ZebraLogic's
solution header), the sentence that introduces it in the puzzle text, the noun phrase
that names a person by one of its values ("the person who owns a dog"), and the value
list this project draws puzzles from.

The phrases follow the ZebraLogic text format (so its puzzles can be parsed); the value
lists used for generation were written for this project and are longer than six, so a
6x6 puzzle can be filled in many ways. A spec whose ``values`` is empty is understood
by the parser but not used by the generator.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["AttributeSpec", "SPECS", "SPECS_BY_DESCRIPTION", "GENERATION_SPECS", "spec_for"]


def _article(word: str) -> str:
    """``a`` or ``an`` before a word."""
    return "an" if word[:1].lower() in "aeiou" else "a"


@dataclass(frozen=True)
class AttributeSpec:
    """How one attribute is written.

    Attributes:
        key: Column name in the solution table (``CarModel``).
        description: The sentence that lists the attribute's values in the puzzle text.
        template: Noun phrase for a value; ``{v}`` is the value, ``{V}`` the value with each
            word capitalised, ``{a}`` the article ``a``/``an`` for the display word.
        overrides: Full noun phrases for values the template does not fit.
        values: The values the generator draws from (empty: parse only).
    """

    key: str
    description: str
    template: str
    overrides: Mapping[str, str] = field(default_factory=dict)
    values: tuple[str, ...] = ()

    def phrase(self, value: str) -> str:
        """The noun phrase naming the person with this value (``the person who owns a dog``)."""
        override = self.overrides.get(value.lower())
        if override is not None:
            return override
        title = " ".join(w[:1].upper() + w[1:] for w in value.split())
        shown = title if "{V}" in self.template else value
        return self.template.format(v=value, V=title, a=_article(shown))


_MONTHS = {
    "jan": "January",
    "feb": "February",
    "mar": "March",
    "april": "April",
    "may": "May",
    "june": "June",
    "july": "July",
    "aug": "August",
    "sept": "September",
    "oct": "October",
    "nov": "November",
    "dec": "December",
}

SPECS: tuple[AttributeSpec, ...] = (
    AttributeSpec(
        "Name",
        "Each person has a unique name",
        "{v}",
        values=("Alice", "Arnold", "Bob", "Carol", "Eric", "Peter", "Grace", "Hugo", "Ivy", "Jonah", "Lena", "Omar"),
    ),
    AttributeSpec(
        "Nationality",
        "The people are of nationalities",
        "the {V} person",
        {
            "brit": "the British person",
            "swede": "the Swedish person",
            "dane": "the Dane",
            "german": "the German",
            "norwegian": "the Norwegian",
            "chinese": "the Chinese",
            "spaniard": "the Spanish person",
            "dutch": "the Dutch person",
        },
        ("brit", "chinese", "dane", "german", "norwegian", "swede", "italian", "japanese", "spaniard", "dutch"),
    ),
    AttributeSpec(
        "Pet",
        "Each person has a unique type of pet",
        "the person who owns {a} {v}",
        {
            "bird": "the person who keeps a pet bird",
            "cat": "the person who has a cat",
            "fish": "the person with an aquarium of fish",
            "hamster": "the person with a pet hamster",
        },
        ("bird", "cat", "dog", "fish", "hamster", "rabbit", "turtle", "ferret", "lizard"),
    ),
    AttributeSpec(
        "Animal",
        "The people keep unique animals",
        "the {v} owner",
        {
            "bird": "the bird keeper",
            "cat": "the cat lover",
            "dog": "the dog owner",
            "fish": "the fish enthusiast",
            "horse": "the person who keeps horses",
        },
    ),
    AttributeSpec(
        "Drink",
        "Each person has a unique favorite drink",
        "the {v} drinker",
        {
            "milk": "the person who likes milk",
            "water": "the one who only drinks water",
            "root beer": "the root beer lover",
        },
        ("coffee", "tea", "milk", "water", "root beer", "boba tea", "lemonade", "orange juice", "cocoa"),
    ),
    AttributeSpec(
        "Hobby",
        "Each person has a unique hobby",
        "the person who enjoys {v}",
        {
            "cooking": "the person who loves cooking",
            "painting": "the person who paints as a hobby",
            "photography": "the photography enthusiast",
            "woodworking": "the woodworking hobbyist",
        },
        ("cooking", "gardening", "knitting", "painting", "photography", "woodworking", "chess", "hiking", "pottery"),
    ),
    AttributeSpec(
        "CarModel",
        "People own unique car models",
        "the person who owns {a} {V}",
        {"bmw 3 series": "the person who owns a BMW 3 Series", "ford f150": "the person who owns a Ford F-150"},
        (
            "bmw 3 series",
            "chevrolet silverado",
            "ford f150",
            "honda civic",
            "tesla model 3",
            "toyota camry",
            "subaru outback",
            "volkswagen golf",
            "kia soul",
        ),
    ),
    AttributeSpec(
        "Occupation",
        "Each person has an occupation",
        "the person who is {a} {v}",
        values=(
            "artist",
            "doctor",
            "engineer",
            "lawyer",
            "nurse",
            "teacher",
            "chef",
            "pilot",
            "architect",
            "librarian",
        ),
    ),
    AttributeSpec(
        "Color",
        "Each person has a favorite color",
        "the person who loves {v}",
        {"green": "the person whose favorite color is green", "red": "the person whose favorite color is red"},
        ("blue", "green", "purple", "red", "white", "yellow", "orange", "pink"),
    ),
    AttributeSpec(
        "FavoriteSport",
        "People have unique favorite sports",
        "the person who loves {v}",
        values=("baseball", "basketball", "soccer", "swimming", "tennis", "volleyball", "cycling", "golf", "hockey"),
    ),
    AttributeSpec(
        "MusicGenre",
        "People have unique favorite music genres",
        "the person who loves {v} music",
        {"hip hop": "the person who loves hip-hop music"},
        ("classical", "country", "hip hop", "jazz", "pop", "rock", "blues", "reggae", "folk"),
    ),
    AttributeSpec(
        "BookGenre",
        "People have unique favorite book genres",
        "the person who loves {v} books",
        values=(
            "biography",
            "fantasy",
            "historical fiction",
            "mystery",
            "romance",
            "science fiction",
            "poetry",
            "horror",
            "travel",
        ),
    ),
    AttributeSpec(
        "Food",
        "Everyone has something unique for lunch",
        "the person who loves eating {v}",
        {
            "pizza": "the person who is a pizza lover",
            "soup": "the person who loves the soup",
            "stew": "the person who loves the stew",
            "spaghetti": "the person who loves the spaghetti eater",
            "stir fry": "the person who loves stir fry",
        },
        ("grilled cheese", "pizza", "soup", "spaghetti", "stew", "stir fry", "tacos", "sushi", "curry"),
    ),
    AttributeSpec(
        "Birthday",
        "Each person has a unique birthday month",
        "the person whose birthday is in {V}",
        {k: f"the person whose birthday is in {v}" for k, v in _MONTHS.items()},
        tuple(_MONTHS),
    ),
    AttributeSpec(
        "HairColor",
        "People have unique hair colors",
        "the person who has {v} hair",
        values=("auburn", "black", "blonde", "brown", "gray", "red", "white", "silver"),
    ),
    AttributeSpec(
        "Height",
        "People have unique heights",
        "the person who is {v}",
        {"average": "the person who has an average height"},
        ("very short", "short", "average", "tall", "very tall", "super tall"),
    ),
    AttributeSpec(
        "Mother",
        "The mothers' names in different houses are unique",
        "the person whose mother's name is {v}",
        values=("Aniya", "Holly", "Janelle", "Kailyn", "Penny", "Sarah", "Maria", "Nora", "Ruth"),
    ),
    AttributeSpec(
        "Children",
        "Each mother is accompanied by their child",
        "the person's child is named {v}",
        {"timothy": "the person who is the mother of Timothy"},
        ("Alice", "Bella", "Fred", "Meredith", "Samantha", "Timothy", "Leo", "Mia", "Zoe"),
    ),
    AttributeSpec(
        "Vacation",
        "Each person prefers a unique type of vacation",
        "the person who loves {v} vacations",
        {
            "camping": "the person who enjoys camping trips",
            "city": "the person who prefers city breaks",
            "cruise": "the person who likes going on cruises",
            "cultural": "the person who goes on cultural tours",
            "mountain": "the person who enjoys mountain retreats",
        },
        ("beach", "camping", "city", "cruise", "cultural", "mountain", "safari", "ski"),
    ),
    AttributeSpec(
        "Smoothie",
        "Everyone has a favorite smoothie",
        "the person who likes {V} smoothies",
        {
            "desert": "the Desert smoothie lover",
            "dragonfruit": "the Dragonfruit smoothie lover",
            "watermelon": "the Watermelon smoothie lover",
            "blueberry": "the person who drinks Blueberry smoothies",
            "lime": "the person who drinks Lime smoothies",
        },
        ("blueberry", "cherry", "desert", "dragonfruit", "lime", "watermelon", "mango", "strawberry", "banana"),
    ),
    AttributeSpec(
        "Cigar",
        "Everyone has a unique favorite cigar",
        "the person who smokes {V}",
        {
            "blends": "the person who smokes many unique blends",
            "dunhill": "the Dunhill smoker",
            "pall mall": "the person partial to Pall Mall",
            "prince": "the Prince smoker",
        },
        ("blends", "blue master", "dunhill", "pall mall", "prince", "yellow monster"),
    ),
    AttributeSpec(
        "Education",
        "Each person has a unique level of education",
        "the person with {a} {v} degree",
        {
            "associate": "the person with an associate's degree",
            "bachelor": "the person with a bachelor's degree",
            "doctorate": "the person with a doctorate",
            "high school": "the person with a high school diploma",
            "master": "the person with a master's degree",
            "trade school": "the person who attended trade school",
        },
        ("associate", "bachelor", "doctorate", "high school", "master", "trade school"),
    ),
    AttributeSpec(
        "HouseStyle",
        "Each person lives in a unique style of house",
        "the person living in {a} {v}-style house",
        {
            "craftsman": "the person in a Craftsman-style house",
            "mediterranean": "the person in a Mediterranean-style villa",
            "modern": "the person in a modern-style house",
            "ranch": "the person in a ranch-style home",
            "victorian": "the person residing in a Victorian house",
        },
        ("colonial", "craftsman", "mediterranean", "modern", "ranch", "victorian", "tudor", "cottage"),
    ),
    AttributeSpec(
        "Flower",
        "They all have a unique favorite flower",
        "the person who loves {v}",
        {
            "carnations": "the person who loves a carnations arrangement",
            "daffodils": "the person who loves a bouquet of daffodils",
            "iris": "the person who loves the boquet of iris",
            "lilies": "the person who loves the boquet of lilies",
            "roses": "the person who loves the rose bouquet",
            "tulips": "the person who loves the vase of tulips",
        },
        ("carnations", "daffodils", "iris", "lilies", "roses", "tulips", "orchids", "sunflowers", "peonies"),
    ),
    AttributeSpec(
        "PhoneModel",
        "People use unique phone models",
        "the person who uses {a} {V}",
        {
            "iphone 13": "the person who uses an iPhone 13",
            "oneplus 9": "the person who uses a OnePlus 9",
            "xiaomi mi 11": "the person who uses a Xiaomi Mi 11",
        },
        (
            "google pixel 6",
            "huawei p50",
            "iphone 13",
            "oneplus 9",
            "samsung galaxy s21",
            "xiaomi mi 11",
            "nokia 3310",
            "sony xperia 5",
        ),
    ),
)

#: Specs by their description sentence, lowercased.
SPECS_BY_DESCRIPTION: Mapping[str, AttributeSpec] = MappingProxyType({spec.description.lower(): spec for spec in SPECS})
#: Specs the generator may use (those with a value list), in catalogue order.
GENERATION_SPECS: tuple[AttributeSpec, ...] = tuple(spec for spec in SPECS if spec.values)

_BY_KEY = {spec.key: spec for spec in SPECS}


def spec_for(key: str) -> AttributeSpec:
    """The spec of an attribute column name (``CarModel``); KeyError for unknown names."""
    return _BY_KEY[key]
