"""Risk-limiting audits of paper referendums.

Modules, one concept each:

- :mod:`~referendum.audit.sampler`: Rivest's SHA-256 pseudo-random sampler.
- :mod:`~referendum.audit.manifest`: ballot manifests, draws to box and position, pull sheets.
- :mod:`~referendum.audit.readings`: the readings of sampled ballots (sample files).
- :mod:`~referendum.audit.assorters`: SHANGRLA assorters and the assertions a rule needs.
- :mod:`~referendum.audit.bravo`, :mod:`~referendum.audit.alpha`,
  :mod:`~referendum.audit.kaplan_markov`, :mod:`~referendum.audit.batch`: risk measures.
- :mod:`~referendum.audit.results`: reported results per region with their outcome rule.
- :mod:`~referendum.audit.plan`, :mod:`~referendum.audit.assess`: planning and assessing an
  audit of a whole referendum (per region and overall).

Nothing is re-exported here: import from the module that defines a name.
"""

__all__: list[str] = []
