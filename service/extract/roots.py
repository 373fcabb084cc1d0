"""Nerve-root mentions: a root joined to the ladder words (or normal-state words) that act on it.

Each ladder word is bound to one root in its clause: the root right before it ("root compression", "the
L5 root is compressed"), else for verbs and nouns the first root after it ("abuts the L5 root",
"compression of the L5 root") unless the verb's object is something else ("flattens the ventral cord"),
else the root before it. A root's assertion and rung come from its ladder words: the highest rung stated as
present wins; a denied rung does not count ("contacts but does not displace" is contact).
"""

from __future__ import annotations

import re

from service.extract.attributes import DISC_CAUSES, RUNG_RANK, combine_sides, grade_before
from service.extract.context import ABSENT, POSSIBLE, PRESENT, Context, historical_clause, still_present
from service.extract.lexicon import (
    CAUSE, GRADE, HIST, LABEL, LADDER, LEVEL, LOC, NARROW, NORMAL, OBJ, REF, ROLE, ROOT, SIDE, TERM,
    ZONE, Lexicon,
)
from service.extract.levels import opens_item
from service.extract.mention import Mention
from service.extract.phrases import joins, phrase_key
from service.extract.tokens import Token

_WINDOW = 12
_STRUCTURE_NP = frozenset({SIDE, GRADE, ZONE, LOC, LEVEL, NARROW})


def clause_end(token: Token, view: str) -> bool:
    """Terminators that end the clause a ladder word can reach (";", ":", "|"), unlike "but" or "which"."""
    return token.kind == TERM and view[token.start] in ";:|"



def _strongest(judged: list[tuple[int, str, Token | None]]) -> tuple[str, list[tuple[int, str, Token | None]]]:
    """The strongest assertion among the judged words (present, else possible, else absent) and its words: a
    denied rung does not count ("contacts but does not displace" is contact)."""
    for assertion in (PRESENT, POSSIBLE, ABSENT):
        chosen = [item for item in judged if item[1] == assertion]
        if chosen:
            return assertion, chosen
    return ABSENT, []


class RootReader:
    """Reads the nerve-root mentions of one sentence."""

    def __init__(self, tokens: list[Token], view: str, lexicon: Lexicon, context: Context) -> None:
        self.tokens = tokens
        self.view = view
        self.lexicon = lexicon
        self.context = context
        # Asked several times per mention; the tokens do not change while the sentence is read.
        self._phrase_starts: dict[int, int] = {}
        self._clause_starts: dict[int, int] = {}

    # -- binding ----------------------------------------------------------------------------------
    def _joined(self, left: int, right: int) -> bool:
        tokens = self.tokens
        return joins(self.lexicon.filler_re, self.view, tokens[left].end, tokens[right].start)

    def _forward(self, index: int):
        """(root index or None, blocked) for the first root after ``index`` in its clause."""
        tokens = self.tokens
        for j in range(index + 1, min(len(tokens), index + _WINDOW)):
            token = tokens[j]
            if clause_end(token, self.view):
                return None, False
            if token.kind == ROOT:
                return j, False
            if token.kind == REF and j == index + 1 and self.view[token.start:token.end] in self.lexicon.object_pronouns:
                # "the S1 root is not displaced; however, the protrusion may contact it": the root named before.
                return self._backward(index, across_clauses=True), True
            if token.kind == OBJ or (token.kind == LOC and not token.detail.weak):
                coordinated = self._coordinated_root(j)
                return coordinated, coordinated is None
        return None, False

    def _coordinated_root(self, index: int):
        """"abuts the ventral thecal sac and the right S1 nerve root", "compressing thecal sac & L5 nerve root",
        "compressing the thecal sac nerve roots": the root after the other object."""
        tokens = self.tokens
        if index + 1 >= len(tokens):
            return None
        gap = (self.view, tokens[index].end, tokens[index + 1].start)
        if not self.lexicon.object_and_re.match(*gap) and not self.lexicon.object_gap_re.fullmatch(*gap):
            return None
        for j in range(index + 1, min(len(tokens), index + 4)):
            if tokens[j].kind == ROOT:
                return j
            if tokens[j].kind not in (SIDE, ROLE):
                return None
        return None

    def _coordinated_after(self, root: int) -> list[int]:
        """"compressing the exiting left L4 and the traversing left L5 roots": the roots listed with ``root``."""
        tokens = self.tokens
        found = []
        j = root
        while j + 1 < len(tokens) and tokens[j + 1].kind == ROOT \
                and self.lexicon.root_list_re.fullmatch(self.view, tokens[j].end, tokens[j + 1].start):
            j += 1
            found.append(j)
        return found

    def _coordinated_before(self, root: int) -> list[int]:
        """"the exiting L4 and traversing L5 nerve roots are compressed": the roots listed before ``root``."""
        tokens = self.tokens
        found = []
        j = root
        while j > 0 and tokens[j - 1].kind == ROOT and self.lexicon.root_list_re.fullmatch(self.view, tokens[j - 1].end,
                                                                                tokens[j].start):
            j -= 1
            found.append(j)
        return found

    def _backward(self, index: int, across_clauses: bool = False):
        tokens = self.tokens
        for j in range(index - 1, max(-1, index - _WINDOW), -1):
            token = tokens[j]
            if clause_end(token, self.view) and not across_clauses:
                return None
            if token.kind == ROOT:
                return j
        return None

    def _bind_ladder(self, index: int):
        tokens = self.tokens
        # "L5 root compression" binds back; "... C6 root and displacement of the C7 root" binds forward.
        takes_object = self.lexicon.object_preposition_re.match(self.view, tokens[index].end - 5, tokens[index].end + 6) is not None
        compound = index > 0 and tokens[index - 1].kind == ROOT \
            and not self.view[tokens[index - 1].end:tokens[index].start].strip(" -")  # "no root contact"
        if index > 0 and tokens[index].detail.form == "noun" and tokens[index - 1].kind == OBJ \
                and not self.view[tokens[index - 1].end:tokens[index].start].strip(" -"):
            return None  # "cord compression and C7 root displacement": the compression is the cord's
        if tokens[index].detail.form == "verb" and not compound:
            # A verb acts on the root after it: "compressing the L5 root and contacting the S1 root".
            forward, _ = self._forward(index)
            if forward is not None:
                return forward
        if index and tokens[index - 1].kind == ROOT and self._joined(index - 1, index) and not takes_object:
            return index - 1
        if tokens[index].detail.form == "participle":
            back = self._backward(index)
            if back is not None:
                return back
        forward, blocked = self._forward(index)
        if forward is not None or blocked:
            return forward
        back = self._backward(index)
        if back is None and tokens[index].detail.form == "noun" and self._opens_clause(index):
            # "The right L5 root cannot be separated from the disc; compression cannot be excluded": a rung
            # named alone at the head of a clause is the state of the root of the clause before.
            back = self._backward(index, across_clauses=True)
        return back

    def _opens_clause(self, index: int) -> bool:
        tokens = self.tokens
        j = index - 1
        while j >= 0 and tokens[j].kind == GRADE:
            j -= 1
        return j >= 0 and clause_end(tokens[j], self.view)

    def _bind_normal(self, index: int):
        tokens = self.tokens
        if index and tokens[index - 1].kind == ROOT and self._joined(index - 1, index):
            return index - 1
        if index > 1 and tokens[index - 1].kind == LABEL and tokens[index - 2].kind == ROOT:
            return index - 2
        if index + 1 < len(tokens) and tokens[index + 1].kind == ROOT and self._joined(index, index + 1):
            return index + 1
        return self._root_coordinated_before(index - 1) if index else None

    def _root_coordinated_before(self, noun: int):
        """"The right L5 root and the right lateral recess are clear": a state said of an opening or another
        structure right before it is said of the root coordinated before that noun too."""
        tokens = self.tokens
        if tokens[noun].kind not in (LOC, OBJ) or not self._joined(noun, noun + 1):
            return None
        start = self._noun_phrase_start(noun)
        if start == 0 or tokens[start - 1].kind != ROOT:
            return None
        gap = (self.view, tokens[start - 1].end, tokens[start].start)
        if self.lexicon.object_and_re.match(*gap) and self.lexicon.object_gap_re.fullmatch(*gap):
            return start - 1
        return None

    # -- attributes -------------------------------------------------------------------------------
    def _modifies_next_cause(self, index: int) -> bool:
        """'disc' in "disc herniaton" (a typo the lexicon misses) names no structure of its own."""
        tokens = self.tokens
        return (index + 1 < len(tokens) and tokens[index + 1].kind == CAUSE
                and not self.view[tokens[index].end:tokens[index + 1].start].strip())

    def _historical(self, index: int) -> bool:
        tokens = self.tokens
        if index > 1 and tokens[index - 1].kind == GRADE and self._joined(index - 1, index) \
                and not self.view[tokens[index - 1].end:tokens[index].start].strip():
            # "which was previously severely compressed"; not "(previously mild) and impinges on": that grade
            # belongs to an aside of its own
            index -= 1
        if not (index > 0 and tokens[index - 1].kind == HIST and self._joined(index - 1, index)):
            return False
        # "The previously described compression of the L5 root is again seen": still there.
        return not still_present(tokens, self.view, self.lexicon)

    def _noun_phrase_start(self, index: int) -> int:
        start = self._phrase_starts.get(index)
        if start is None:
            start = self._phrase_starts[index] = self._find_noun_phrase_start(index)
        return start

    def _find_noun_phrase_start(self, index: int) -> int:
        tokens = self.tokens
        start = index
        for j in range(index - 1, max(-1, index - 4), -1):
            # A comma ends the noun phrase: "narrowed, the left more than the right, and the left L5 root".
            if tokens[j].kind in (SIDE, ROLE, GRADE) and self._joined(j, j + 1) \
                    and "," not in self.view[tokens[j].end:tokens[j + 1].start]:
                start = j
            else:
                break
        return start

    def _sides_near(self, root: int, words: list[int]) -> list[str]:
        tokens = self.tokens
        several = len(tokens[root].value.names) > 1 or bool(self._coordinated_after(root))
        # "both the L5 and S1 roots" counts the roots, it does not give them a side.
        sides = [tokens[j].value for j in range(self._noun_phrase_start(root), root) if tokens[j].kind == SIDE
                 and not (several and self.view[tokens[j].start:tokens[j].end] in self.lexicon.counting_sides)]
        # After the root ("the L4 roots bilaterally") or after a ladder word that follows it ("the L5 roots
        # are contacted bilaterally").
        for j in [root] + [w for w in words if w > root]:
            if j + 1 < len(tokens) and tokens[j + 1].kind == SIDE and self._joined(j, j + 1):
                sides.append(tokens[j + 1].value)
        if not sides:
            sides = self._sides_of_coordinated_object(root)
        if not sides and not tokens[root].value.plural:
            start = tokens[self._noun_phrase_start(root)].start
            if self.lexicon.each_side_re.search(self.view, max(0, start - 16), start):
                sides = ["bilateral"]  # "neither S1 root", "either exiting L5 root"
        return sides

    def _sides_of_coordinated_object(self, root: int) -> list[str]:
        """A side word before coordinated nouns covers each ("compressing the Rt sided thecal sac and exit
        nerve root": the root is right; FORMAT.md, rulings from real reports)."""
        tokens = self.tokens
        start = self._noun_phrase_start(root)
        other = start - 1
        if other < 0 or tokens[other].kind not in (OBJ, LOC) or not self.lexicon.object_gap_re.fullmatch(
                self.view, tokens[other].end, tokens[start].start) \
                or not self.lexicon.object_and_re.match(self.view, tokens[other].end, tokens[start].start):
            return []
        return [tokens[j].value for j in range(self._noun_phrase_start(other), other) if tokens[j].kind == SIDE]

    def structure(self, lower: int, upper: int) -> tuple[str | None, int | None]:
        """The side of the structure nearest before ``upper`` (a cause or a stenosis phrase) and its index."""
        tokens = self.tokens
        for j in range(upper - 1, lower - 1, -1):
            if tokens[j].kind in (CAUSE, NARROW, LOC):
                return self.side_of_phrase(j, lower), j
            if tokens[j].kind == ROOT:
                return None, None
        return None, None

    def side_of_phrase(self, head: int, lower: int = 0) -> str | None:
        """The side words of the noun phrase that ends at ``head`` ("left paracentral disc protrusion")."""
        tokens = self.tokens
        sides = []
        k = head
        while k > lower and tokens[k - 1].kind in _STRUCTURE_NP and self._joined(k - 1, k):
            k -= 1
            if tokens[k].kind == SIDE:
                sides.append(tokens[k].value)
        return combine_sides(sides)

    def cause_sides(self) -> dict:
        """Each stated cause of this sentence with the side its phrase gives it (for the next sentence)."""
        tokens = self.tokens
        found = {}
        for j, token in enumerate(tokens):
            if token.kind == CAUSE and self.context.assertion(j, "cause")[0] != ABSENT:
                side = self.side_of_phrase(j)
                if side:
                    found[token.value] = side
        return found

    def _clause_start(self, index: int) -> int:
        start = self._clause_starts.get(index)
        if start is None:
            start = self._clause_starts[index] = self._find_clause_start(index)
        return start

    def _find_clause_start(self, index: int) -> int:
        tokens = self.tokens
        for j in range(index - 1, -1, -1):
            if clause_end(tokens[j], self.view) or tokens[j].kind == ROOT:
                return j + 1
        return 0

    def _relative_subject(self, lower: int, first_word: int) -> list[str] | None:
        """"A bulge with a superimposed protrusion, which contacts the L5 root", "... a protrusion that contacts
        the root": the causes of the noun phrase right before the relative word, when that phrase names a
        structure (not a stenosis)."""
        tokens = self.tokens
        relative = self.lexicon.relative_re
        w = next((k for k in range(first_word - 1, lower - 1, -1) if tokens[k].kind == TERM
                  and relative.fullmatch(self.view, tokens[k].start, tokens[k].end)), None)
        if w is None and first_word > lower and tokens[first_word - 1].kind == CAUSE \
                and relative.fullmatch(self.view, tokens[first_word - 1].end, tokens[first_word].start):
            w = first_word  # a relative word that is no token of its own ("that")
        if w is None:
            return None
        if w == 0 or tokens[w - 1].kind != CAUSE:
            return None
        found = []
        j = w - 1
        while j >= lower and tokens[j].kind in (CAUSE, SIDE, ZONE, GRADE, LOC):
            if tokens[j].kind == CAUSE:
                found.append(tokens[j].value)
            if j == lower or not self._joined(j - 1, j):
                break
            j -= 1
        return found[::-1]

    def _causes_between(self, lower: int, upper: int) -> list[str]:
        tokens = self.tokens
        return [tokens[j].value for j in range(lower, upper)
                if tokens[j].kind == CAUSE and self.context.assertion(j, "cause")[0] != ABSENT
                and not self._modifies_next_cause(j) and not self._names_the_level(j, lower, upper)
                and not self._origin_of_a_cause(j, lower)]

    def _origin_of_a_cause(self, j: int, lower: int) -> bool:
        """"Small synovial cyst arising from the Lt facet projects into the Lt LR, abutting the Lt S1 root": the
        facet is where the cyst comes from, not a cause beside it (grammar.yaml ``origin_words``)."""
        tokens = self.tokens
        before = next((k for k in range(j - 1, lower - 1, -1) if tokens[k].kind == CAUSE), None)
        return before is not None and all(tokens[k].kind == SIDE for k in range(before + 1, j)) \
            and self.lexicon.origin_re.search(self.view, tokens[before].end, tokens[j].start) is not None

    def _names_the_level(self, j: int, lower: int, upper: int) -> bool:
        """"L4-L5 disc: broad based protrusion compressing ...", "extrusion at L4/5 migrating to the L5/S1 disc": a
        bare "disc" right after a level names the level, and the disc lesion named beside it is the cause, not a
        bulge besides it."""
        tokens = self.tokens
        return self._level_disc(j) and any(tokens[k].kind == CAUSE and tokens[k].value in DISC_CAUSES
                                           and not self._level_disc(k) for k in range(lower, upper))

    def _level_disc(self, j: int) -> bool:
        tokens, view = self.tokens, self.view
        return j > 0 and tokens[j - 1].kind == LEVEL and not view[tokens[j - 1].end:tokens[j].start].strip() \
            and phrase_key(view[tokens[j].start:tokens[j].end]) in self.lexicon.disc_heads

    def causes(self, root: int, first_word: int, last_word: int) -> list[str]:
        tokens = self.tokens
        lower = self._clause_start(min(root, first_word))
        for k in range(lower, min(root, first_word)):
            if tokens[k].kind == LEVEL and opens_item(tokens, k, k, self.view, self.lexicon):
                lower = k  # a comma dump's item: "L3-4 mild bulge, L4-5 contact w/ R L5 root"
        relative = self._relative_subject(lower, first_word)
        if relative:
            return relative
        found = self._causes_between(lower, first_word)
        if not found and lower > 0 and tokens[lower - 1].kind == ROOT and all(
                tokens[j].kind in (LOC, ZONE) for j in range(lower, first_word)) \
                and (self.lexicon.object_and_re.search(self.view, tokens[lower - 1].end, tokens[first_word].start)
                     or self._next_in_series(first_word)):
            # "An extrusion compresses the S1 root and displaces the S2 root": a shared subject; so in a series
            # ("protrusion compressing the S1 root in the recess, compressing the L5 root in the foramen").
            found = self._causes_between(self._clause_start(lower - 1), lower - 1)
        if root < first_word:
            # The root is the subject: "the L4 root is intimately associated with the protrusion".
            for j in range(last_word + 1, min(len(tokens), last_word + 4)):
                if clause_end(tokens[j], self.view) or tokens[j].kind in (ROOT, LADDER):
                    break
                if tokens[j].kind == CAUSE:
                    found.extend(self._cause_list(j))
                    break
        for j in range(root + 1, min(len(tokens), root + 7)):
            if clause_end(tokens[j], self.view) or tokens[j].kind == ROOT:
                break
            if tokens[j].kind == CAUSE:
                if self.lexicon.causal_re.search(self.view, tokens[root].end, tokens[j].start):
                    found.extend(self._cause_list(j))
                break
        if not found and 0 < lower == first_word and tokens[first_word].detail.form == "verb":
            # "L paracentral HNP; abuts L S1 root": a verb without a subject acts for the clause before.
            found = self._causes_between(self._clause_start(lower - 1), lower - 1)
        if not found and 0 < lower < len(tokens) and tokens[lower].kind == REF:
            # "a disc osteophyte complex ...; this narrows the foramen and contacts the C6 root"
            found = self._causes_between(0, lower)
        if not found:
            found = self._causes_through_stenosis(lower)
        return found

    def _next_in_series(self, word: int) -> bool:
        """An active ladder verb right after a comma: the next item of a series of verbs sharing one subject."""
        tokens = self.tokens
        return word > 0 and tokens[word].kind == LADDER and tokens[word].detail.form == "verb" \
            and self.view[tokens[word - 1].end:tokens[word].start].strip() == ","

    def subjectless(self, word: int) -> bool:
        """"Disc protrusion noted at L4-L5.\nMarkedly compressing the thecal sac and left exit nerve root":
        a sentence that opens with an active ladder verb (after a level or a grade word) has the subject of the
        sentence before."""
        tokens = self.tokens
        return tokens[word].kind == LADDER and tokens[word].detail.form == "verb" \
            and all(tokens[k].kind in (LEVEL, LABEL, GRADE) for k in range(word))

    def _cause_list(self, first: int) -> list[str]:
        """The cause at ``first`` and those listed with it ("by a combination of disc bulge and facet
        hypertrophy", "by disc, osteophyte and facet arthropathy")."""
        tokens = self.tokens
        found = [tokens[first].value]
        j = first
        while True:
            k = j + 1
            while k < len(tokens) and tokens[k].kind in (GRADE, SIDE):
                k += 1  # "disc bulge and severe left facet hypertrophy"
            if k >= len(tokens) or tokens[k].kind != CAUSE \
                    or not self.lexicon.cause_list_re.fullmatch(self.view, tokens[j].end, tokens[j + 1].start):
                return found
            j = k
            found.append(tokens[j].value)

    def _causes_through_stenosis(self, lower: int) -> list[str]:
        """"Uncovertebral hypertrophy results in moderate narrowing of both foramina; the exiting C6 roots are
        likely irritated": the causes of the stenosis stated earlier in the sentence, with no root between."""
        tokens = self.tokens
        for j in range(lower - 1, -1, -1):
            if tokens[j].kind == ROOT:
                return []
            if tokens[j].kind == NARROW or (tokens[j].kind == LADDER and tokens[j].detail.narrows):
                causes = [k for k in range(j) if tokens[k].kind == CAUSE]
                if causes and self.lexicon.leads_to_re.search(self.view, tokens[causes[-1]].end, tokens[j].start):
                    return list(dict.fromkeys(self._causes_between(0, j)))
                return []
        return []

    def _zone(self, root: int, first_word: int, side: str | None) -> str | None:
        """The zone of the opening or structure beside the root. An opening of the other side, or one a
        second predicate narrows, is not the root's ("compressing the left root and narrowing the right
        foramen": the left root has no zone). A narrowing listed beside the root's own finding gives way to the
        zone of the structure before it ("central protrusion causing foraminal narrowing and nerve root
        distortion": central, the protrusion's), and holds when the sentence places no such structure."""
        tokens = self.tokens
        for j in range(root + 1, min(len(tokens), root + 4)):
            if tokens[j].kind in (LOC, ZONE):
                return self._own_zone(j, side)
            if tokens[j].kind in (ROOT, LADDER, NARROW, NORMAL) or clause_end(tokens[j], self.view):
                break
        start = self._noun_phrase_start(root)
        beside = first_word > root and start > 0 and self._coordinated_findings(start - 1, root)
        listed = None
        for j in range(min(root, first_word) - 1, self._clause_start(min(root, first_word)) - 1, -1):
            if beside and all(tokens[k].kind in (NARROW, LOC) for k in range(j, start)):
                listed = j if listed is None and tokens[j].kind == LOC else listed
                continue
            if tokens[j].kind in (LOC, ZONE) and not self._object_of_ladder(j) \
                    and (listed is None or self._of_a_structure(j)):
                return self._own_zone(j, side)
        return None if listed is None else self._own_zone(listed, side)

    def _of_a_structure(self, j: int) -> bool:
        """Whether the zone or location word at ``j`` places a structure ("central focal disc protrusion"), not
        another narrowing ("canal stenosis with lateral recess stenosis and L5 root compression")."""
        tokens = self.tokens
        for k in range(j + 1, min(len(tokens), j + 4)):
            if tokens[k].kind == CAUSE:
                return True
            if tokens[k].kind not in (SIDE, GRADE, ZONE, LOC):
                return False
        return False

    def _object_of_ladder(self, j: int) -> bool:
        """"compressing the thecal sac, compressing the left root": the sac is the object of the first verb,
        not where the root lies."""
        k = j - 1
        while k >= 0 and self.tokens[k].kind in (SIDE, GRADE):
            k -= 1
        return k >= 0 and self.tokens[k].kind == LADDER

    def _own_zone(self, j: int, side: str | None) -> str | None:
        tokens = self.tokens
        zone = tokens[j].value if tokens[j].kind == ZONE else tokens[j].detail.zone
        k = j - 1
        while k >= 0 and tokens[k].kind == GRADE:
            k -= 1
        if side in ("left", "right") and k >= 0 and tokens[k].kind == SIDE and tokens[k].value in ("left", "right") \
                and tokens[k].value != side:
            return None
        return zone

    def _role(self, root: int) -> str | None:
        mention = self.tokens[root].value
        if mention.role:
            return mention.role
        for j in range(self._noun_phrase_start(root), root):
            if self.tokens[j].kind == ROLE:
                return self.tokens[j].value
        return None

    # -- reading ----------------------------------------------------------------------------------
    def read(self, previous) -> list[Mention]:
        """The root mentions of the sentence; ``previous`` holds what the sentence before stated (its
        causes, the side of its last structure, the side of each cause) for back-references."""
        tokens = self.tokens
        if not any(token.kind == ROOT for token in tokens):
            return []  # no root named, none to read
        bound: dict[int, list[int]] = {}
        shared: list[tuple[int, int]] = []  # (root, verb) a root takes only by coordination
        shared_before: list[tuple[int, int]] = []  # ... listed before the root the verb follows
        for i, token in enumerate(tokens):
            if token.kind == LADDER:
                root = self._bind_ladder(i)
            elif token.kind == NORMAL:
                root = self._bind_normal(i)
            else:
                continue
            if root is not None:
                bound.setdefault(root, []).append(i)
                for other in self._coordinated_after(root) if root > i else ():
                    bound.setdefault(other, []).append(i)
                    shared.append((other, i))
                for other in self._coordinated_before(root) if root < i else ():
                    bound.setdefault(other, []).append(i)  # listed right before the root: no predicate between
                    shared_before.append((other, i))
        for other, verb in shared:
            # "contacts the L5 root and the S1 root is likely displaced": S1 has a predicate of its own.
            if any(word > other for word in bound[other]):
                bound[other].remove(verb)
        for other, verb in shared_before:
            # "no compression of the Lt L5 root, Rt L5 root compressed": the left root has a predicate of its own.
            if any(word < other for word in bound[other]):
                bound[other].remove(verb)
        back_reference = bool(tokens) and tokens[0].kind == REF
        mentions = []
        for root, words in sorted(bound.items()):
            mentions.extend(self._mentions(root, words, back_reference, previous))
        return mentions

    def _mentions(self, root: int, words: list[int], back_reference: bool, previous) -> list[Mention]:
        """The mentions of one root and the ladder and normal-state words bound to it, in ordered passes:

        1. ``_judged``: each word's assertion (ConText), leaving out what is silenced or was so before;
        2. ``_strongest``: the words of the strongest assertion (present, else possible, else absent);
        3. ``_rung``: the highest rung stated and its grade;
        4. causes, zone, role, sides near the root;
        5. one mention per name the root mention holds ("the L5 and S1 roots"), each with its side
           (``_name_side``).

        "The left L5 root is contacted and possibly displaced by the protrusion." -> left L5, contact, present (a
        stated rung beats a hedged one), cause disc protrusion."""
        tokens = self.tokens
        judged = self._judged(root, words)
        if not judged:
            return []
        assertion, chosen = _strongest(judged)
        degree, grade = self._rung(root, chosen) if assertion != ABSENT else (None, None)
        triggers = []
        for _, _, trigger in chosen:
            if trigger is not None and trigger not in triggers:
                triggers.append(trigger)
        first_word = min(w for w, _, _ in judged)
        mention = tokens[root].value
        shared_sides = self._sides_near(root, [w for w, _, _ in judged])
        inline = [side for _, side in mention.names if side]
        # The causes of what is stated, not of the rung denied beside it ("the roots are not displaced;
        # however, the protrusion may contact them").
        stated = [w for w, _, _ in chosen]
        causes = [] if assertion == ABSENT else self.causes(root, min(stated), max(stated))
        if assertion != ABSENT and not causes and (back_reference or self.subjectless(first_word)):
            causes = list(previous.causes)
        zone = self._zone(root, first_word, combine_sides(inline + shared_sides))
        role = self._role(root)
        start = min(self._noun_phrase_start(root), first_word)
        last = max([root] + [w for w, _, _ in judged])
        found = []
        for name, side in mention.names:
            side = combine_sides(([side] if side else []) + shared_sides + ([] if side else inline[:1]))
            from_structure = False
            if side is None and not mention.plural and not mention.central:
                side = self._name_side(root, first_word, back_reference, previous)
                from_structure = side is not None
            found.append(Mention(
                type="nerve-root", first=start, last=last, anchor=first_word, root=name, side=side,
                plural=mention.plural and not mention.central, central=mention.central, degree=degree,
                severity=grade.value if grade is not None else None, assertion=assertion, triggers=triggers,
                zone=zone, role=role, cause=list(dict.fromkeys(causes)), side_from_structure=from_structure,
                severity_span=(grade.start, grade.end) if grade is not None else None))
        return found

    def _judged(self, root: int, words: list[int]) -> list[tuple[int, str, Token | None]]:
        """Pass 1: (word, assertion, trigger) of each word bound to the root; a normal-state word denies. A word
        silenced ("rule out compression of the L5 root") or of an earlier exam ("which was previously
        compressed") is left out."""
        tokens = self.tokens
        judged: list[tuple[int, str, Token | None]] = []
        for w in words:
            if self.context.silenced(w) or self.context.silenced(root):
                continue
            if tokens[w].kind == NORMAL:
                judged.append((w, ABSENT, tokens[w]))
                continue
            assertion, trigger = self.context.assertion(w, "nerve-root")
            if assertion != ABSENT and (self._historical(w) or historical_clause(tokens, min(w, root), self.view, self.lexicon)):
                continue
            judged.append((w, assertion, trigger))
        return judged

    def _rung(self, root: int, chosen: list[tuple[int, str, Token | None]]) -> tuple[str | None, Token | None]:
        """Pass 3: the highest rung of the chosen ladder words and the grade before it ("severely compressed").
        Of two words on the same rung, the one nearest the root ("mild encroachment and marked impingement of
        the S1 root": marked)."""
        tokens = self.tokens
        ladder = [item for item in chosen if tokens[item[0]].kind == LADDER]
        if not ladder:
            return None, None
        best = max(ladder, key=lambda item: (RUNG_RANK[tokens[item[0]].value], -abs(item[0] - root)))
        word = tokens[best[0]]
        grade = grade_before(tokens, best[0], self.view, self.lexicon)
        if grade is None:
            # "largely compressing the exit root": words of degree, no severity (grades.yaml verb_degree_words)
            said = self.lexicon.verb_degree_re.search(self.view, max(0, word.start - 24), word.start)
            if said is not None:
                grade = Token(GRADE, said.start(), said.end(), None)
        return word.value, grade

    def _coordinated_findings(self, structure: int, root: int) -> bool:
        """The stenosis phrase ending at ``structure`` and the root's noun phrase are two items of one list,
        joined by a coordinator alone ("... foraminal narrowing and nerve root distortion")."""
        start = self._noun_phrase_start(root)
        return structure < start and all(self.tokens[j].kind in (NARROW, LOC) for j in range(structure, start)) \
            and self.lexicon.object_and_re.fullmatch(self.view, self.tokens[structure].end,
                                                     self.tokens[start].start) is not None

    def _name_side(self, root: int, first_word: int, back_reference: bool, previous) -> str | None:
        """Pass 5, for a root named without a side: the side of the structure before it in its clause ("left
        paracentral protrusion contacting the S1 root"); of the same cause in the sentence before ("Left
        paracentral protrusion. The protrusion contacts the S1 root."); after "This ...", the side of the
        sentence before. A narrowing listed beside the root's own finding ("bilateral foraminal narrowing and
        nerve root distortion") is not what acts on the root: its side stays its own."""
        tokens = self.tokens
        side, structure = self.structure(self._clause_start(min(root, first_word)), min(root, first_word))
        if side is not None and structure is not None and first_word > root and tokens[structure].kind in (NARROW, LOC) \
                and self._coordinated_findings(structure, root):
            side = None
        if side is None and structure is not None and tokens[structure].kind == CAUSE:
            side = previous.cause_sides.get(tokens[structure].value)
        if side is None and back_reference:
            side = previous.side
        return side
