"""Regenerates sisimai's tables as Python data modules, from its installed Perl modules.

Run by hand where sisimai is installed (Debian libsisimai-perl):
``.venv/bin/python -m bench.sisimai_tables > tasks/mail/reason_patterns.py`` (the
Reason/*.pm message patterns) and
``.venv/bin/python -m bench.sisimai_tables lhosts > tasks/mail/lhost_patterns.py``, then
``.venv/bin/ruff format tasks/mail/lhost_patterns.py`` (each
MTA reader's, Lhost/*.pm, remote host's, Rhost/*.pm, and delivery agent's, MDA.pm, tables,
and the order in which sisimai tries the MTA readers). Porting the tables as data, not by
hand, keeps our reasons in step with sisimai's.
"""

from __future__ import annotations

import json
import pprint
import subprocess
import sys
from typing import Any

# Perl evaluates each module's `state $x = [...]` lists and `qr{}` regexes, so the Python
# side receives exactly the strings Perl would match with.
DUMPER = r"""
use strict; use JSON::PP; use Sisimai::SMTP::Status;
my $out = {};
for my $f (glob '/usr/share/perl5/Sisimai/Reason/*.pm') {
  my ($name) = $f =~ m{/(\w+)[.]pm$};
  open my $fh, '<', $f or die; local $/; my $src = <$fh>; close $fh;
  $src =~ s/^__END__.*//ms;
  while ($src =~ /state\s+\$(\w+)\s*=\s*(qr\{.*?\}x|qr\/.*?\/|\[.*?\]);\s*$/msg) {
    my ($var, $lit) = ($1, $2);
    my $val = eval $lit; die "$name $var: $@" if $@;
    if (ref $val eq 'ARRAY') { $out->{$name}{$var} = $val if !grep { ref $_ } @$val }
    else { my $s = "$val"; $s =~ s/\A\(\?\^(\w*):(.*)\)\z/$2/s;
           $s =~ s/\\z/\\Z/g; $out->{$name}{$var} = {re => $s} }
  }
}
$out->{'_status'} = Sisimai::SMTP::Status::StandardCode();
$out->{'_internal'} = Sisimai::SMTP::Status::InternalCode();
print JSON::PP->new->canonical->encode($out);
"""

# Every `state $x = <literal>;` (and `my $x = <literal>;`) in Lhost/*.pm, Rhost/*.pm and
# Order.pm: the literal ends at the first `;` at a line end after which Perl evaluates it.
# Regexes become {"re": source, "flags": "ix"}, with Perl's \z as Python's \Z.
LHOST_DUMPER = r"""
use strict; use JSON::PP; use Sisimai::Order; use Sisimai::Rhost;
sub conv { my $v = shift; my $r = ref $v;
  if ($r eq 'Regexp') { my $s = "$v"; my ($fl, $body) = $s =~ /\A\(\?\^(\w*):(.*)\)\z/s;
                        $body =~ s/\\z/\\Z/g; return {re => $body, flags => $fl} }
  if ($r eq 'ARRAY') { return [map { conv($_) } @$v] }
  if ($r eq 'HASH') { return {map { key($_) => conv($v->{$_}) } keys %$v} }
  return $v }
# A hash keyed by regexes (Office365's statuslist) has their stringified sources as keys.
sub key { my $k = shift; my ($body) = $k =~ /\A\(\?\^\w*:(.*)\)\z/s;
  return defined $body ? ($body =~ s/\\z/\\Z/gr) : $k }
sub tables { my $f = shift; my $t = {};
  open my $fh, '<', $f or die; local $/; my $src = <$fh>; close $fh;
  $src =~ s/^__END__.*//ms;
  while ($src =~ /\b(?:state|my)\s+\$(\w+)\s*=\s*(?=[\[\{]|qr)/g) {
    my $var = $1; my $rest = substr($src, pos($src));
    while ($rest =~ /;[ \t]*(?:#[^\n]*)?\n/g) {
      # "+" makes Perl read a leading "{" as a hash, not a block.
      my $val = eval 'no strict; +' . substr($rest, 0, $-[0]);
      if (!$@ && defined $val) { $t->{$var} = conv($val) if ref $val; last }
    }
  }
  return $t }
my $out = {lhost => {}, rhost => {}};
for my $kind ('Lhost', 'Rhost') {
  for my $f (glob "/usr/share/perl5/Sisimai/$kind/*.pm") {
    my ($name) = $f =~ m{/(\w+)[.]pm$};
    $out->{lc $kind}{$name} = tables($f);
  }
}
$out->{subject} = tables('/usr/share/perl5/Sisimai/Order.pm')->{subject};
$out->{mda} = tables('/usr/share/perl5/Sisimai/MDA.pm');
$out->{order} = [map { s/\ASisimai::Lhost:://r } @{ Sisimai::Order->another }];
my $classes = Sisimai::Rhost::RhostClass();
$out->{rhostclass} = {map { my ($re) = /\A\(\?\^\w*:(.*)\)\z/s;
                            ($re =~ s/\\z/\\Z/gr) => $classes->{$_} } keys %$classes};
print JSON::PP->new->canonical->encode($out);
"""
# The Lhost tables that name reasons or mark text; the rest are parsing state.
LHOST_TABLES = frozenset(
    {
        "messagesof",
        "refailures",
        "errorcodes",
        "recommands",
        "markingsof",
        "startingof",
        "errortable",
        "statetable",
        "reisonhold",
        "failonldap",
        "delayedfor",
        "hasexpired",
        "statuslist",
        "categories",
        "ndrsubject",
    }
)


def _perl(script: str) -> dict[str, Any]:
    raw = subprocess.run(["perl", "-e", script], check=True, capture_output=True).stdout
    data: dict[str, Any] = json.loads(raw)
    return data


def _without_order(value: Any) -> Any:
    # Order.pm names modules "Sisimai::Lhost::X"; the tables key them by "X".
    if isinstance(value, list):
        return [v.rsplit("::", 1)[-1] if isinstance(v, str) else v for v in value]
    return value


def _py(value: Any) -> str:
    # Python literals (None, not JSON's null); `ruff format` lays the file out afterwards.
    return pprint.pformat(value, width=100, sort_dicts=True)


def print_reasons() -> None:
    """Prints reason_patterns.py: the Reason/*.pm patterns and the status code tables."""
    tables = _perl(DUMPER)
    print('"""Sisimai 4.25.15 reason tables, generated by bench/sisimai_tables.py: do not edit."""')
    print()
    print("# ruff: noqa: E501")
    print("from typing import Any")
    print()
    print(f"STATUS_REASONS: dict[str, str] = {tables.pop('_status')!r}")
    print(f"INTERNAL_CODES: dict[str, Any] = {tables.pop('_internal')!r}")
    print(f"PATTERNS: dict[str, dict[str, Any]] = {json.dumps(tables, indent=1, sort_keys=True)}")


def print_lhosts() -> None:
    """Prints lhost_patterns.py: per-MTA and per-remote-host tables, and the MTA order."""
    data = _perl(LHOST_DUMPER)
    lhosts = {
        name: {k: v for k, v in tables.items() if k in LHOST_TABLES}
        for name, tables in data["lhost"].items()
    }
    subject = {k: _without_order(v) for k, v in data["subject"].items()}
    print('"""Sisimai 4.25.15 MTA tables, generated by bench/sisimai_tables.py: do not edit.')
    print()
    print("LHOSTS holds each Sisimai::Lhost module's tables (messagesof: reason -> message")
    print("fragments, refailures: reason -> regexes, recommands, markingsof...), RHOSTS each")
    print("Sisimai::Rhost module's; regexes are {'re': source, 'flags': perl flags}.")
    print('"""')
    print()
    print("# ruff: noqa: RUF001")
    print("from typing import Any")
    print()
    print(f"ORDER: list[str] = {_py(data['order'])}")
    print(f"SUBJECT_ORDER: dict[str, list[str]] = {_py(subject)}")
    print(f"RHOST_CLASSES: dict[str, str] = {_py(data['rhostclass'])}")
    print(f"LHOSTS: dict[str, dict[str, Any]] = {_py(lhosts)}")
    print(f"RHOSTS: dict[str, dict[str, Any]] = {_py(data['rhost'])}")
    print(f"MDA: dict[str, Any] = {_py(data['mda'])}")


def main() -> None:
    """Prints the generated module named on the command line (default: reasons)."""
    target = sys.argv[1] if len(sys.argv) > 1 else "reasons"
    print_lhosts() if target == "lhosts" else print_reasons()


if __name__ == "__main__":
    main()
