# This file is part of Child First commissioning for Tryton.
# The COPYRIGHT file at the top level of this repository contains the full
# copyright notices and license terms.
"""Documents: the officer attaches the service specification to each tender
as it is designed, and each provider its method statement to its bid
before submitting it, as the paperclip of the client does.

A tender's documents are fixed once it goes for approval and a bid's are
sealed with it on submission: the steps call these functions while the
records are drafts. Each document is a one-page PDF drawn with reportlab."""
from io import BytesIO

MODEL = 'ir.attachment'


def pdf(title, lines):
    "Return a one-page A4 PDF of title and the paragraphs lines"
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
    styles = getSampleStyleSheet()
    output = BytesIO()
    document = SimpleDocTemplate(
        output, pagesize=A4, title=title, author="Child First commissioning")
    story = [Paragraph(title, styles['Title'])]
    for line in lines:
        story += [Paragraph(line, styles['BodyText']), Spacer(1, 6)]
    document.build(story)
    return output.getvalue()


def attach(session, login, record, name, content):
    "Attach content as the file name to record, acting as the user login"
    Attachment = session.model(MODEL, login)
    attachment = Attachment(
        resource=record, name=name, type='data', data=content)
    attachment.save()
    return attachment


def weight(value):
    "Return the weight as a user writes it: 20, 7.5"
    return ('%.2f' % value).rstrip('0').rstrip('.')


def specification_name(tender):
    return "Service specification - %s.pdf" % tender.name


def specify(session, tender):
    "Attach the service specification to the draft tender as the officer"
    lines = [
        tender.description,
        "<b>Budget:</b> £{:,.0f} over the contract.".format(tender.budget),
        "<b>Bids close:</b> %s." % tender.submission_deadline.strftime(
            '%d/%m/%Y %H:%M'),
        "<b>Contract:</b> from %s%s." % (
            tender.contract_start.strftime('%d/%m/%Y'),
            " to %s" % tender.contract_end.strftime('%d/%m/%Y')
            if tender.contract_end else ""),
        "<b>How bids are evaluated:</b>",
        ]
    lines += ["%s (weight %s)" % (c.name, weight(c.weight))
        for c in tender.criteria]
    lines.append(
        "Children and young people helped design this service: see the "
        "record of collaboration with children on the tender.")
    return attach(session, 'officer', tender, specification_name(tender),
        pdf("Service specification: %s" % tender.name, lines))


def method_statement_name(organisation):
    return "Method statement - %s.pdf" % organisation


def state_method(session, login, organisation, bid):
    """Attach the method statement of the organisation to its draft bid, as
    the provider's user login"""
    lines = [
        "<b>Tender:</b> %s" % bid.tender.name,
        "%s will deliver the service with trusted adults who know the "
        "area, and with the children who shaped our plan." % organisation,
        "Each child chooses what they work on, and we review their plan "
        "with them every month.",
        "Our safeguarding policy and training records are available on "
        "request.",
        ]
    return attach(session, login, bid, method_statement_name(organisation),
        pdf("Method statement: %s" % organisation, lines))
