"""`manage.py import_bank_statement --agency <slug> --account <IBAN> <file>`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from agencies.commands import agency_command_scope
from payouts.bank_import import BankImportError, bank_statement_import
from payouts.models import BankAccount
from payouts.parsers.errors import StatementParseError


class Command(BaseCommand):
    help = "Import a CAMT.053, MT940, OFX or CSV bank statement into an agency bank account."

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True)
        parser.add_argument("--account", required=True, help="IBAN of the agency's bank account")
        parser.add_argument("--format", choices=["camt053", "mt940", "ofx", "csv"], default=None)
        parser.add_argument("file")

    def handle(self, *args, agency: str, account: str, format, file: str, **options):

        with agency_command_scope(agency) as agency_obj:
            iban = account.replace(" ", "").upper()
            bank_account = BankAccount.objects.filter(agency=agency_obj, iban=iban).first()
            if bank_account is None:
                raise CommandError(f"The agency has no bank account {iban}.")
            path = Path(file)
            if not path.is_file():
                raise CommandError(f"No such file: {file}")
            try:
                with path.open("rb") as handle:
                    result = bank_statement_import(
                        account=bank_account,
                        actor=None,
                        data=handle,
                        file_name=path.name,
                        format=format,
                    )
            except OSError as exc:
                raise CommandError(f"Cannot read {file}: {exc.strerror or exc}") from None
            except (StatementParseError, BankImportError) as exc:
                raise CommandError(str(exc).splitlines()[0]) from None
            self.stdout.write(
                f"{result.format}: {result.transaction_count} transactions, "
                f"{result.new_count} new, "
                f"{result.duplicate_count} already imported."
            )
