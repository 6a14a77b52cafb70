// Package names judges package names: typosquats of popular packages,
// names equal to an existing one but for separators, case or look-alike
// characters, npm scope confusion, and internal names exposed on a public
// registry (dependency confusion), plus the installer settings that let
// such a name in.
//
// # Data
//
// The binary embeds, per ecosystem, a popular list (the typosquatting
// targets, with their popularity) and the set of every name the registry
// list held, dated in data/meta.json:
//
//   - PyPI: the 15,000 most downloaded projects with their rank, and all
//     ~886,000 project names;
//   - npm: every package with at least 100,000 downloads a month (scoped
//     ones from 10,000), the ~227,000 names of the npm list with their
//     monthly downloads, and its scoped names keyed by their name part (for
//     scope confusion: organisation SDKs are rarely that popular);
//   - RubyGems: no ranked list is reachable offline, so the popular list is
//     the gems Debian packages (ruby-* and Ruby's default gems), named by
//     the gemspec files those packages install. Give a real list with
//     --names-data rubygems=FILE (e.g. a CSV of name and downloads) or
//     refresh with `customs db update`.
//
// Next to each popular list lies its typosquatting index (indexfile.go),
// built by the generator and by Update from the list's very bytes and used
// in place, so that the first check of an ecosystem costs milliseconds
// rather than a rebuild of a million hash entries. A Checker builds the
// index itself only when extra lists are given or the stored one does not
// match its list.
//
// gen/main.go rebuilds all of it (`go generate ./internal/names`). Update
// refreshes the lists into CacheDir, which a Checker reads before the
// embedded data; extra lists (Config.Extra) add names on top.
//
// # Judging
//
// Distance alone floods users with false alarms, so a match is weighed:
// the technique (a swapped or doubled letter is a typo more plainly than a
// substituted one), the target's popularity and how much more popular it is
// than the name (100 times at least; a name in the popular list is never a
// squat), the length of the name (short names are other words), the first
// letter (rarely mistyped), npm scopes (the same scope is never a squat),
// and the policy's allow-list. Equal-but-for-separators, case or look-alike
// characters, and an unscoped copy of a scoped package's name, are
// suspicious whatever the target's popularity. A name that no list of the
// complete registries (PyPI; RubyGems with a full list) holds and that is
// one edit from a name they do hold is suspicious too: the listed name is
// the older one.
package names
