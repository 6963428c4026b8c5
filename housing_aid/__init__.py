"""Housing aid (APL / AL) simulated with OpenFisca-France, outside the web workers.

- ``service``: the simulation process (the only module importing OpenFisca), serving the
  OpenFisca Web API's ``POST /calculate`` contract, warm and batched.
- ``situation``: pure translation of a household and dwellings into that JSON, and back.
- ``client``: what the app uses: one HTTP call per batch, a timeout, "indisponible" when
  the service is down or slow, and a cache per household and offers' figures.
- ``communes``: commune name → INSEE code (``depcom``), reference data.
"""
