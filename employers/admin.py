# Employers, their contact log, job orders and placements are not in the
# admin. They are the project team's working records, changed only through
# the services (employers/services.py) from the app's pages, so that every
# change is checked, version-checked and audited; a sole trader's record is
# personal data; and administrators manage accounts and catalogues, not
# cases. The pages are under /arbetsgivare/ for the project team.
