"""Words for arithmetic word problems: people, objects, containers and scene phrases.

Pure data. :mod:`~scpo_data.puzzles.arith_templates` writes sentences with these words and
:mod:`~scpo_data.puzzles.arith` draws them per problem, so that a model has to read the
numbers and the verbs rather than learn one fixed story.
"""

from __future__ import annotations

from typing import NamedTuple


class Person(NamedTuple):
    """A name with its subject and possessive pronouns."""

    name: str
    he: str
    his: str


class Noun(NamedTuple):
    """A countable noun in its two forms."""

    one: str
    many: str


_SHE = ("she", "her")
_HE = ("he", "his")

#: Names drawn for the problems: distinct, each with its pronouns.
PEOPLE: tuple[Person, ...] = tuple(
    [Person(name, *_SHE) for name in (
        "Anna", "Mia", "Sofia", "Lily", "Emma", "Grace", "Chloe", "Zoe", "Nora", "Ella",
        "Hannah", "Ava", "Julia", "Maya", "Sara", "Lucy", "Ruby", "Alice", "Priya", "Aisha",
        "Mei", "Rosa", "Fatima", "Leah", "Nina",
    )]
    + [Person(name, *_HE) for name in (
        "Tom", "Ben", "Sam", "Leo", "Max", "Jack", "Omar", "Ravi", "Luis", "Noah",
        "Ethan", "Owen", "Adam", "Daniel", "Hugo", "Kenji", "Mateo", "David", "Felix", "Ali",
        "Jamal", "Oscar", "Peter", "Theo", "Yusuf",
    )]
)

#: Things people own, buy, sell, pack and weigh.
ITEMS: tuple[Noun, ...] = tuple(Noun(one, many) for one, many in (
    ("apple", "apples"), ("orange", "oranges"), ("marble", "marbles"), ("sticker", "stickers"),
    ("pencil", "pencils"), ("cookie", "cookies"), ("book", "books"), ("stamp", "stamps"),
    ("seashell", "seashells"), ("trading card", "trading cards"), ("balloon", "balloons"),
    ("toy car", "toy cars"), ("crayon", "crayons"), ("bead", "beads"), ("candy", "candies"),
    ("egg", "eggs"), ("button", "buttons"), ("muffin", "muffins"), ("cupcake", "cupcakes"),
    ("tomato", "tomatoes"), ("potato", "potatoes"), ("lemon", "lemons"), ("peach", "peaches"),
    ("eraser", "erasers"), ("notebook", "notebooks"), ("comic book", "comic books"),
    ("bottle cap", "bottle caps"), ("postcard", "postcards"), ("ribbon", "ribbons"),
    ("puzzle piece", "puzzle pieces"), ("plum", "plums"), ("strawberry", "strawberries"),
))

#: Containers that hold a number of items.
CONTAINERS: tuple[Noun, ...] = tuple(Noun(one, many) for one, many in (
    ("box", "boxes"), ("bag", "bags"), ("jar", "jars"), ("basket", "baskets"), ("pack", "packs"),
    ("crate", "crates"), ("tin", "tins"), ("carton", "cartons"),
))

#: Where something is found or lost ("finds 4 more shells at the beach").
PLACES: tuple[str, ...] = (
    "at the park", "on the way home", "in the garden", "at school", "at the beach",
    "under the bed", "at the market", "in the attic",
)

#: Something bought with money ("spends 6 dollars on lunch").
PURCHASES: tuple[str, ...] = (
    "a book", "lunch", "a toy", "a movie ticket", "a new hat", "school supplies", "a pizza",
    "a kite", "a plant", "a board game",
)

#: How money is earned ("earns 9 dollars by walking dogs").
CHORES: tuple[str, ...] = (
    "by washing cars", "by walking dogs", "by mowing lawns", "by selling lemonade",
    "by helping a neighbour", "by babysitting", "by raking leaves",
)

#: Groups things are shared among ("among 4 classmates").
GROUPS: tuple[str, ...] = ("friends", "classmates", "cousins", "teammates", "neighbours")
