"""StreamField blocks of lesson bodies and quizzes."""

from django.forms.utils import ErrorList
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.images.blocks import ImageChooserBlock


class BodyBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(label=_("Heading"), form_classname="title")
    paragraph = blocks.RichTextBlock(label=_("Paragraph"))
    image = ImageChooserBlock(label=_("Image"))
    quote = blocks.BlockQuoteBlock(label=_("Quote"))


class OptionBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Option"))
    correct = blocks.BooleanBlock(label=_("Correct"), required=False)


class QuestionBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("Question"))
    multiple = blocks.BooleanBlock(
        label=_("Multiple choice"), required=False,
        help_text=_("Several options may be correct; all must be chosen, and no wrong one."),
    )
    options = blocks.ListBlock(OptionBlock(), label=_("Options"), min_num=2)

    class Meta:
        icon = "help"
        label = _("Question")

    def clean(self, value):
        value = super().clean(value)
        correct = sum(1 for option in value["options"] if option["correct"])
        if correct == 0 or (correct > 1 and not value["multiple"]):
            raise StructBlockValidationError(block_errors={"options": ErrorList([
                _("Mark one correct option, or several for a multiple-choice question.")])})
        return value
