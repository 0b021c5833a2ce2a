from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('shipments', '0002_delivery_notices_and_disputes'),
    ]

    operations = [
        migrations.AddField(
            model_name='shipment',
            name='eta_as_of',
            field=models.DateTimeField(blank=True, help_text='When the ETA was set (the scan\'s time, or the reschedule\'s), so an older scan that arrives late never overrides a newer ETA.', null=True),
        ),
    ]
